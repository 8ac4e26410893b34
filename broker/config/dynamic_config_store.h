#pragma once
// Where the dynamic broker configs and the group configs live at runtime:
// read from the metadata store's records (dynamic_broker_config.h gives the
// format), layered into the broker's config, and followed through the
// store's watch, so a change made on any broker reaches every broker.
//
// Threading: I/O thread only (the store's watch is delivered there).
#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <map>
#include <string>

#include "broker/config/broker_config.h"
#include "broker/config/dynamic_broker_config.h"
#include "replication/metadata_store.h"

namespace sluice::broker {

class dynamic_config_store {
public:
    using done_fn = std::function<void(op_result)>;

    // `config` is the broker's own, changed in place; `on_change` runs after
    // a change of the broker levels was applied to it.
    dynamic_config_store(broker_config& config, replication::metadata_store& store, boost::asio::any_io_executor ex,
                         std::function<void()> on_change);

    // The stored set of one level: "" the cluster default, else a broker id.
    config_map level(const std::string& resource_name) const;
    // Replaces one level's set (an empty set removes it).
    void put_level(const std::string& resource_name, const config_map& props, done_fn done);

    // A group's overrides (empty when none).
    const config_map& group(const std::string& group_id) const;
    void put_group(const std::string& group_id, const config_map& props, done_fn done);

    // Re-reads the store (also called on every change the store reports);
    // whether the broker's config changed.
    bool reload_broker_levels();
    void reload_groups();

private:
    broker_config& config_;
    replication::metadata_store& store_;
    boost::asio::any_io_executor ex_;
    std::function<void()> on_change_;
    std::map<std::string, config_map, std::less<>> groups_;
    replication::metadata_store::subscription watch_;
};

}  // namespace sluice::broker

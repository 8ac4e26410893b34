#pragma once
// The broker's topics: their metadata (from the metadata store), their
// resolved settings and, per partition, the log and the fetches waiting on it.
//
// Owned by the broker's executor; nothing here is touched from other threads.
// Creating, growing and deleting topics goes through here so the metadata
// store and the logs on disk never disagree.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "broker/config/broker_config.h"
#include "broker/config/op_result.h"
#include "broker/config/topic_config.h"
#include "broker/fetch/fetch_waiter.h"
#include "replication/metadata_store.h"
#include "log/log_manager.h"

namespace sluice::broker {

using replication::metadata_store;
using replication::topic_metadata;

struct partition_state {
    int32_t index = 0;
    log::partition_log* log = nullptr;
    bool flush_in_flight = false;  // a flush job of this partition is queued or running
    // Fetches parked until the high watermark moves; notify() wakes (and
    // unlinks) them all, so they re-check without polling. A fetch that
    // finishes otherwise unlinks its own waiters.
    waiter_list waiters;
    void notify() { waiters.wake_all(); }
};

struct topic_state {
    topic_metadata meta;
    topic_settings settings;
    std::vector<std::unique_ptr<partition_state>> partitions;
    bool internal() const { return meta.name.starts_with("__"); }
};

class topic_registry {
public:
    topic_registry(const broker_config& config, metadata_store& store, log::log_manager& logs);

    // Opens the logs of every topic the store knows (startup).
    void load();

    topic_state* find(std::string_view name);
    topic_state* find(const protocol::uuid& id);
    partition_state* find(std::string_view topic, int32_t partition);
    const std::map<std::string, std::unique_ptr<topic_state>, std::less<>>& all() const { return topics_; }

    // CreateTopics semantics; `validate_only` checks everything and changes nothing.
    op_result create(const std::string& name, int32_t partitions, int16_t replication_factor,
                     const topic_config& configs, bool validate_only);
    op_result remove(std::string_view name);
    op_result add_partitions(std::string_view name, int32_t new_total, bool validate_only);
    op_result set_configs(std::string_view name, const topic_config& configs, bool validate_only);

private:
    // Opens the logs of partitions [from, to); on failure (KAFKA_STORAGE_ERROR)
    // removes the logs it created and leaves the topic's partitions as before.
    op_result open_partitions(topic_state& topic, int32_t from, int32_t to);

    struct uuid_hash {
        size_t operator()(const protocol::uuid& id) const;
    };

    const broker_config& config_;
    metadata_store& store_;
    log::log_manager& logs_;
    std::map<std::string, std::unique_ptr<topic_state>, std::less<>> topics_;
    // Fetch v13+ names topics by id: found here in O(1), not by a scan of
    // topics_. Holds exactly the topics of topics_ (added and erased with them).
    std::unordered_map<protocol::uuid, topic_state*, uuid_hash> by_id_;
};

// The storage layer's view of a topic's settings (retention and compaction).
log::log_config to_log_config(const topic_settings& t);

}  // namespace sluice::broker

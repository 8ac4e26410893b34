#pragma once
// Where the cluster's metadata lives: the cluster id and, per topic, its id,
// partition count, replication factor and config overrides. The broker talks
// to this interface only; a single node uses local_metadata_store (a file
// under the first log dir), a cluster etcd_metadata_store (etcd, mirrored).
//
// Reads answer at once from memory (the file's contents, or the mirror of
// etcd). Mutations are asynchronous: `done` runs exactly once, with the
// result, either before the call returns (a store that can answer at once,
// as the local file does) or later on the executor given — so a round trip
// to etcd never blocks an I/O thread. Callers handle both. A mutation that
// answered ok is durable and visible to the reads of this store.
//
// Failures are answers, not exceptions: an op_result carrying the Kafka
// error code for the client.
//
// Watch: subscribers hear of every topic change, whoever made it (this
// process or, for a shared store, another broker), as the names of the
// topics that changed; they re-read those topics. Notifications are posted
// to the subscriber's executor, never run inline.
#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/wire.h"
#include "replication/op_result.h"

namespace sluice::replication {

// A topic's explicit config overrides, name -> value, as the client sent
// them. broker/config validates them (validate_topic_configs) and resolves
// them against the broker defaults; the store only keeps them.
using topic_configs = std::map<std::string, std::string>;

struct topic_metadata {
    std::string name;
    protocol::uuid topic_id;
    int32_t partition_count = 1;
    int16_t replication_factor = 1;
    topic_configs configs;  // explicit overrides only
    bool operator==(const topic_metadata&) const = default;
};

// What a compare-and-swap that lost answers: someone changed the value
// between the caller's read and its write. The caller re-reads and decides
// again.
inline constexpr protocol::error_code conflict_code = protocol::error_code::invalid_update_version;

// A store that cannot be opened (startup only: a corrupt file, etcd out of
// reach, a cluster id that does not match).
class metadata_error : public std::runtime_error {
public:
    explicit metadata_error(const std::string& what) : std::runtime_error(what) {}
};

class metadata_store {
public:
    using executor = boost::asio::any_io_executor;
    using done_fn = std::function<void(op_result)>;
    // The topic as stored (with its id) when ok.
    using created_fn = std::function<void(op_result, topic_metadata)>;
    // The names of topics created, deleted or changed.
    using watch_fn = std::function<void(const std::vector<std::string>& topics)>;
    // Notifications flow while this is held; dropping it ends them.
    using subscription = std::shared_ptr<void>;

    virtual ~metadata_store() = default;

    virtual std::string cluster_id() const = 0;

    virtual std::vector<topic_metadata> list_topics() const = 0;
    virtual std::optional<topic_metadata> get_topic(std::string_view name) const = 0;
    virtual std::optional<topic_metadata> get_topic_by_id(const protocol::uuid& id) const = 0;

    // Creates `topic` if its name is free (compare-and-swap on absence); a
    // zero topic_id is replaced by a random one. Errors:
    // invalid_topic_exception (bad name or one colliding over '.'/'_'),
    // topic_already_exists, invalid_partitions, invalid_replication_factor,
    // kafka_storage_error. Config overrides are stored as given: the caller
    // validates them.
    virtual void create_topic(topic_metadata topic, executor ex, created_fn done) = 0;
    // unknown_topic_or_partition if absent.
    virtual void delete_topic(std::string name, executor ex, done_fn done) = 0;
    // Partitions can only be added: invalid_partitions unless count is larger
    // than the stored one.
    virtual void set_partition_count(std::string name, int32_t count, executor ex, done_fn done) = 0;
    // Replaces the topic's overrides; with `expected`, only if they still are
    // `expected` (else conflict_code): read, modify, compare-and-swap.
    virtual void set_topic_configs(std::string name, topic_configs configs, std::optional<topic_configs> expected,
                                   executor ex, done_fn done) = 0;

    virtual subscription watch(executor ex, watch_fn on_change) = 0;
};

}  // namespace sluice::replication

#pragma once
// Where the cluster's metadata lives: the cluster id and, per topic, its id,
// partition count, replication factor and config overrides. Handlers talk to
// this interface only; a single node uses local_metadata_store (a file under
// the first log dir), a cluster will use a consensus-backed implementation.
//
// Every mutation is durable when it returns ok. Failures are answers, not
// exceptions: an op_result carrying the Kafka error code for the client.
// Implementations are safe to call from several threads (admin requests are
// rare and off the data path, so a lock is fine).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "replication/op_result.h"
#include "protocol/wire.h"

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

class metadata_store {
public:
    virtual ~metadata_store() = default;

    virtual std::string cluster_id() const = 0;

    virtual std::vector<topic_metadata> list_topics() const = 0;
    virtual std::optional<topic_metadata> get_topic(std::string_view name) const = 0;
    virtual std::optional<topic_metadata> get_topic_by_id(const protocol::uuid& id) const = 0;

    // Creates `topic`; a zero topic_id is replaced by a random one (written
    // back). Errors: invalid_topic_exception (bad name or one colliding over
    // '.'/'_'), topic_already_exists, invalid_partitions,
    // invalid_replication_factor, kafka_storage_error. Config overrides are
    // stored as given: the caller validates them (validate_topic_configs).
    virtual op_result create_topic(topic_metadata& topic) = 0;
    // unknown_topic_or_partition if absent.
    virtual op_result delete_topic(std::string_view name) = 0;
    // Partitions can only be added: invalid_partitions unless count is larger.
    virtual op_result set_partition_count(std::string_view name, int32_t count) = 0;
    // Replaces the topic's overrides.
    virtual op_result set_topic_configs(std::string_view name, const topic_configs& configs) = 0;
};

}  // namespace sluice::replication

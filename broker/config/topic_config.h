#pragma once
// Topic-level configs (Kafka's LogConfig names): validation of values as Kafka
// validates them, resolution against the broker property each one defaults
// to, DescribeConfigs entries for a TOPIC resource, IncrementalAlterConfigs,
// and the settings the storage layer and produce path need.
//
// A topic stores only what was explicitly set on it (`topic_config`); every
// other value is the broker's, so changing a broker default changes all
// topics that did not override it, as in Kafka.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "broker/config/broker_config.h"
#include "broker/config/config_entry.h"
#include "broker/config/op_result.h"

namespace sluice::broker {

// Explicit per-topic overrides, name → value. Persisted by the metadata store.
using topic_config = std::map<std::string, std::string>;

// Whether `name` is a topic config, and its broker default property.
bool is_topic_config(std::string_view name);
std::vector<std::string_view> topic_config_names();
std::optional<std::string_view> broker_synonym(std::string_view name);

// invalid_config for an unknown name or a bad value.
op_result validate_topic_config(std::string_view name, std::string_view value);
op_result validate_topic_configs(const topic_config& overrides);

// The value in force: the override, else the broker's synonym value.
std::optional<std::string> effective(const topic_config& overrides, std::string_view name,
                                     const broker_config& broker);

// One entry per topic config. Source is dynamic_topic_config for overrides,
// else the broker property's source; synonyms are listed when asked.
std::vector<config_entry> describe(const topic_config& overrides, const broker_config& broker,
                                   bool include_synonyms);

// IncrementalAlterConfigs. APPEND and SUBTRACT apply to list configs only
// (cleanup.policy) and start from the effective value.
enum class alter_op_type : int8_t { set = 0, del = 1, append = 2, subtract = 3 };
struct alter_op {
    std::string name;
    alter_op_type op = alter_op_type::set;
    std::optional<std::string> value;
};
// All ops are checked before any is applied: on error `overrides` is unchanged.
op_result apply_incremental(topic_config& overrides, const std::vector<alter_op>& ops,
                                const broker_config& broker);

// Mirrors sluice::log::log_config field for field; the lead maps one to the
// other so this module does not depend on log/.
struct storage_settings {
    int64_t segment_bytes;
    int64_t segment_ms;
    int64_t retention_ms;      // -1 = unlimited
    int64_t retention_bytes;   // -1 = unlimited
    int32_t index_interval_bytes;
    int32_t segment_index_bytes;
    bool log_append_time;      // message.timestamp.type=LogAppendTime
    int64_t flush_messages;
    int64_t flush_ms;
    bool delete_retention;     // cleanup.policy contains delete
    bool key_index;            // sluice.key.index.enable
};

// Everything the broker acts on for one topic, resolved.
// A topic's leader/follower.replication.throttled.replicas: "*" (every
// replica) or partition:broker pairs.
struct throttled_replicas {
    bool all = false;
    std::vector<std::pair<int32_t, int32_t>> replicas;
    bool covers(int32_t partition, int32_t broker) const;
    bool any() const { return all || !replicas.empty(); }
};
// nullopt when `value` is neither "*", empty, nor a list of partition:broker.
std::optional<throttled_replicas> parse_throttled_replicas(std::string_view value);

struct topic_settings {
    storage_settings storage;
    int32_t max_message_bytes;
    bool compact;                  // cleanup.policy contains compact
    std::string compression_type;  // uncompressed|zstd|lz4|snappy|gzip|producer
    int32_t min_insync_replicas;
    int64_t segment_jitter_ms;
    int64_t delete_retention_ms;
    int64_t min_compaction_lag_ms;
    int64_t max_compaction_lag_ms;
    double min_cleanable_dirty_ratio;
    int64_t file_delete_delay_ms;
    // How far a CreateTime record's timestamp may lie before or after the
    // broker's clock (INT64_MAX: unbounded).
    int64_t timestamp_before_max_ms;
    int64_t timestamp_after_max_ms;
    bool preallocate;
    // leader/follower.replication.throttled.replicas: whose replication
    // the broker's leader/follower throttled rate holds back.
    throttled_replicas leader_throttled;
    throttled_replicas follower_throttled;
    // produce.batch.validation=relaxed: batches are checked from their
    // header and CRC only, never decompressed (unless the topic needs keys).
    bool relaxed_validation;
    // confluent.key/value.schema.validation: each record's key/value must
    // carry a schema id of the topic's subject (handlers/produce_schema_ids.h).
    bool key_schema_validation;
    bool value_schema_validation;
};

// `overrides` must be valid (validate_topic_configs).
topic_settings resolve_topic_settings(const topic_config& overrides, const broker_config& broker);

}  // namespace sluice::broker

#include "broker/config/topic_config.h"

#include <algorithm>

#include "broker/config/config_def.h"

namespace sluice::broker {

namespace {

using protocol::error_code;
using t = config_type;

constexpr std::string_view throttled_replicas_refusal =
    "must be the literal '*' or a list of replicas in the following format: "
    "[partitionId]:[brokerId],[partitionId]:[brokerId],...";

bool is_throttled_replica_list(std::string_view value) { return parse_throttled_replicas(value).has_value(); }

struct topic_def {
    config_def def{};  // default_value only without a broker property (else that supplies it)
    std::string_view broker_name{};
};

// Kafka's LogConfig definitions and the broker property each falls back to.
const std::vector<topic_def>& topic_defs() {
    static const std::vector<topic_def> defs = {
        {{.name = "cleanup.policy", .type = t::list, .allowed = {"compact", "delete"}}, "log.cleanup.policy"},
        {{.name = "compression.type",
          .type = t::string,
          .allowed = {"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"}},
         "compression.type"},
        // Confluent Server's names, topic-only: broker-side schema-id
        // validation (handlers/produce_schema_ids.h).
        {{.name = "confluent.key.schema.validation", .type = t::boolean, .default_value = "false"}},
        {{.name = "confluent.value.schema.validation", .type = t::boolean, .default_value = "false"}},
        {{.name = "delete.retention.ms", .type = t::int64, .min = 0}, "log.cleaner.delete.retention.ms"},
        {{.name = "file.delete.delay.ms", .type = t::int64, .min = 0}, "log.segment.delete.delay.ms"},
        {{.name = "flush.messages", .type = t::int64, .min = 1}, "log.flush.interval.messages"},
        {{.name = "flush.ms", .type = t::int64, .min = 0}, "log.flush.interval.ms"},
        // Topic-only in Kafka: no broker property behind them.
        {{.name = "follower.replication.throttled.replicas",
          .type = t::list,
          .default_value = "",
          .accepts = is_throttled_replica_list,
          .refusal = throttled_replicas_refusal}},
        {{.name = "index.interval.bytes", .type = t::int32, .min = 0}, "log.index.interval.bytes"},
        {{.name = "leader.replication.throttled.replicas",
          .type = t::list,
          .default_value = "",
          .accepts = is_throttled_replica_list,
          .refusal = throttled_replicas_refusal}},
        {{.name = "max.compaction.lag.ms", .type = t::int64, .min = 1}, "log.cleaner.max.compaction.lag.ms"},
        {{.name = "max.message.bytes", .type = t::int32, .min = 0}, "message.max.bytes"},
        {{.name = "message.downconversion.enable", .type = t::boolean}, "log.message.downconversion.enable"},
        // Deprecated in Kafka 3 and ignored there (brokers write format v2
        // whatever it says), but still accepted: clients and tools set it.
        {{.name = "message.format.version",
          .type = t::string,
          .accepts = is_kafka_version,
          .refusal = "Version is not a valid Kafka version"},
         "log.message.format.version"},
        {{.name = "message.timestamp.after.max.ms", .type = t::int64, .min = 0}, "log.message.timestamp.after.max.ms"},
        {{.name = "message.timestamp.before.max.ms", .type = t::int64, .min = 0},
         "log.message.timestamp.before.max.ms"},
        {{.name = "message.timestamp.difference.max.ms", .type = t::int64, .min = 0},
         "log.message.timestamp.difference.max.ms"},
        {{.name = "message.timestamp.type", .type = t::string, .allowed = {"CreateTime", "LogAppendTime"}},
         "log.message.timestamp.type"},
        {{.name = "min.cleanable.dirty.ratio", .type = t::float64, .min = 0, .max = 1},
         "log.cleaner.min.cleanable.ratio"},
        {{.name = "min.compaction.lag.ms", .type = t::int64, .min = 0}, "log.cleaner.min.compaction.lag.ms"},
        {{.name = "min.insync.replicas", .type = t::int32, .min = 1}, "min.insync.replicas"},
        {{.name = "preallocate", .type = t::boolean}, "log.preallocate"},
        // Sluice's own: how much of a produced batch is checked (broker/README.md).
        {{.name = "produce.batch.validation", .type = t::string, .allowed = {"strict", "relaxed"}},
         "produce.batch.validation"},
        {{.name = "retention.bytes", .type = t::int64}, "log.retention.bytes"},
        {{.name = "retention.ms", .type = t::int64, .min = -1}, "log.retention.ms"},
        {{.name = "segment.bytes", .type = t::int32, .min = 14}, "log.segment.bytes"},
        {{.name = "segment.index.bytes", .type = t::int32, .min = 4}, "log.index.size.max.bytes"},
        {{.name = "segment.jitter.ms", .type = t::int64, .min = 0}, "log.roll.jitter.ms"},
        {{.name = "segment.ms", .type = t::int64, .min = 1}, "log.roll.ms"},
        // Sluice's own: a per-key index beside each segment (log/key_index.h).
        {{.name = "sluice.key.index.enable", .type = t::boolean}, "sluice.key.index.enable"},
        {{.name = "unclean.leader.election.enable", .type = t::boolean}, "unclean.leader.election.enable"},
    };
    return defs;
}

const topic_def* find_def(std::string_view name) {
    for (const auto& d : topic_defs()) {
        if (d.def.name == name) return &d;
    }
    return nullptr;
}

}  // namespace

std::optional<throttled_replicas> parse_throttled_replicas(std::string_view value) {
    throttled_replicas out;
    auto v = trim(value);
    if (v == "*") {
        out.all = true;
        return out;
    }
    if (v.empty()) return out;
    for (const auto& item : split_list(std::string(v))) {
        auto one = trim(item);
        auto colon = one.find(':');
        if (colon == std::string_view::npos) return std::nullopt;
        auto partition = parse_int(trim(one.substr(0, colon)), 0, INT32_MAX);
        auto broker = parse_int(trim(one.substr(colon + 1)), 0, INT32_MAX);
        if (!partition || !broker) return std::nullopt;
        out.replicas.emplace_back(static_cast<int32_t>(*partition), static_cast<int32_t>(*broker));
    }
    return out;
}

bool throttled_replicas::covers(int32_t partition, int32_t broker) const {
    if (all) return true;
    return std::find(replicas.begin(), replicas.end(), std::pair<int32_t, int32_t>{partition, broker}) != replicas.end();
}

namespace {

op_result invalid(error_code code, std::string message) { return {code, std::move(message)}; }

}  // namespace

bool is_topic_config(std::string_view name) { return find_def(name) != nullptr; }

std::vector<std::string_view> topic_config_names() {
    std::vector<std::string_view> out;
    for (const auto& d : topic_defs()) out.push_back(d.def.name);
    return out;
}

std::optional<std::string_view> broker_synonym(std::string_view name) {
    const topic_def* d = find_def(name);
    if (d == nullptr) return std::nullopt;
    return d->broker_name;
}

op_result validate_topic_config(std::string_view name, std::string_view value) {
    const topic_def* d = find_def(name);
    if (d == nullptr) return invalid(error_code::invalid_config, "Unknown topic config name: " + std::string(name));
    if (auto err = validate(d->def, value)) return invalid(error_code::invalid_config, *err);
    return {};
}

op_result validate_topic_configs(const topic_config& overrides) {
    for (const auto& [name, value] : overrides) {
        if (auto r = validate_topic_config(name, value); !r.ok()) return r;
    }
    return {};
}

std::optional<std::string> effective(const topic_config& overrides, std::string_view name,
                                     const broker_config& broker) {
    const topic_def* d = find_def(name);
    if (d == nullptr) return std::nullopt;
    if (auto it = overrides.find(std::string(name)); it != overrides.end()) return std::string(trim(it->second));
    if (d->broker_name.empty()) {
        if (!d->def.default_value) return std::nullopt;
        return std::string(*d->def.default_value);
    }
    return broker.value_of(d->broker_name);
}

std::vector<config_entry> describe(const topic_config& overrides, const broker_config& broker, bool include_synonyms) {
    std::vector<config_entry> out;
    for (const auto& d : topic_defs()) {
        config_entry e;
        e.name = std::string(d.def.name);
        e.value = effective(overrides, d.def.name, broker);
        auto it = overrides.find(e.name);
        e.source = it != overrides.end()        ? config_source::dynamic_topic_config
                   : d.broker_name.empty() ? config_source::default_config
                                           : broker.source_of(d.broker_name);
        e.read_only = false;
        e.is_sensitive = false;
        e.type = static_cast<int8_t>(d.def.type);
        if (include_synonyms) {
            if (it != overrides.end()) {
                e.synonyms.push_back({e.name, std::string(trim(it->second)), config_source::dynamic_topic_config});
            }
            if (!d.broker_name.empty()) {
                auto inherited = broker.synonyms_of(d.broker_name);
                e.synonyms.insert(e.synonyms.end(), inherited.begin(), inherited.end());
            }
        }
        out.push_back(std::move(e));
    }
    return out;
}

op_result apply_incremental(topic_config& overrides, const std::vector<alter_op>& ops, const broker_config& broker) {
    topic_config next = overrides;
    std::vector<std::string_view> seen;
    for (const auto& op : ops) {
        if (std::find(seen.begin(), seen.end(), op.name) != seen.end()) {
            return invalid(error_code::invalid_request, "Error due to duplicate config keys: " + op.name);
        }
        seen.push_back(op.name);
        const topic_def* d = find_def(op.name);
        if (d == nullptr) return invalid(error_code::invalid_config, "Unknown topic config name: " + op.name);
        bool is_list = d->def.type == t::list;
        switch (op.op) {
            case alter_op_type::set:
                if (!op.value) return invalid(error_code::invalid_request, "Null value not supported for: " + op.name);
                next[op.name] = *op.value;
                break;
            case alter_op_type::del:
                next.erase(op.name);
                break;
            case alter_op_type::append:
            case alter_op_type::subtract: {
                if (!is_list) {
                    return invalid(error_code::invalid_config,
                                   std::string("Config value ") +
                                       (op.op == alter_op_type::append ? "append" : "subtract") +
                                       " is not allowed for config key: " + op.name);
                }
                if (!op.value) return invalid(error_code::invalid_request, "Null value not supported for: " + op.name);
                // Kafka starts from the topic's current list: its override, or
                // (here) the broker default it inherits.
                next[op.name] = merge_list(effective(overrides, op.name, broker).value_or(""), *op.value,
                                           op.op == alter_op_type::append);
                break;
            }
            default:
                return invalid(error_code::invalid_request,
                               "Unknown alter config operation " + std::to_string(static_cast<int>(op.op)));
        }
    }
    for (const auto& op : ops) {
        auto it = next.find(op.name);
        if (it == next.end()) continue;
        if (auto r = validate_topic_config(op.name, it->second); !r.ok()) return r;
    }
    overrides = std::move(next);
    return {};
}

topic_settings resolve_topic_settings(const topic_config& overrides, const broker_config& broker) {
    auto str = [&](std::string_view n) { return effective(overrides, n, broker).value_or(""); };
    auto num = [&](std::string_view n) { return parse_int(str(n), INT64_MIN, INT64_MAX).value_or(0); };
    auto i32 = [&](std::string_view n) { return static_cast<int32_t>(num(n)); };
    auto flag = [&](std::string_view n) { return parse_bool(str(n)).value_or(false); };
    auto policy = split_list(str("cleanup.policy"));
    auto has = [&](std::string_view p) { return std::find(policy.begin(), policy.end(), p) != policy.end(); };

    topic_settings s{};
    s.storage.segment_bytes = num("segment.bytes");
    s.storage.segment_ms = num("segment.ms");
    s.storage.retention_ms = std::max<int64_t>(num("retention.ms"), -1);
    s.storage.retention_bytes = num("retention.bytes");
    s.storage.index_interval_bytes = i32("index.interval.bytes");
    s.storage.segment_index_bytes = i32("segment.index.bytes");
    s.storage.log_append_time = str("message.timestamp.type") == "LogAppendTime";
    s.storage.flush_messages = num("flush.messages");
    s.storage.flush_ms = num("flush.ms");
    s.storage.delete_retention = has("delete");
    s.storage.key_index = flag("sluice.key.index.enable");
    s.max_message_bytes = i32("max.message.bytes");
    s.compact = has("compact");
    s.compression_type = str("compression.type");
    s.min_insync_replicas = i32("min.insync.replicas");
    s.segment_jitter_ms = num("segment.jitter.ms");
    s.delete_retention_ms = num("delete.retention.ms");
    s.min_compaction_lag_ms = num("min.compaction.lag.ms");
    s.max_compaction_lag_ms = num("max.compaction.lag.ms");
    s.min_cleanable_dirty_ratio = parse_double(str("min.cleanable.dirty.ratio")).value_or(0.5);
    s.file_delete_delay_ms = num("file.delete.delay.ms");
    // As Kafka 3.x's LogConfig: the deprecated difference bound stands in
    // for whichever of before/after is left at its default.
    const int64_t difference = num("message.timestamp.difference.max.ms");
    const int64_t before = num("message.timestamp.before.max.ms");
    const int64_t after = num("message.timestamp.after.max.ms");
    s.timestamp_before_max_ms = before != INT64_MAX ? before : difference;
    s.timestamp_after_max_ms = after != INT64_MAX ? after : difference;
    s.preallocate = flag("preallocate");
    s.leader_throttled = parse_throttled_replicas(str("leader.replication.throttled.replicas")).value_or(throttled_replicas{});
    s.follower_throttled =
        parse_throttled_replicas(str("follower.replication.throttled.replicas")).value_or(throttled_replicas{});
    s.relaxed_validation = str("produce.batch.validation") == "relaxed";
    s.key_schema_validation = flag("confluent.key.schema.validation");
    s.value_schema_validation = flag("confluent.value.schema.validation");
    return s;
}

}  // namespace sluice::broker

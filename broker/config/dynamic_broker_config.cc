#include "broker/config/dynamic_broker_config.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <span>

#include "broker/config/broker_properties.h"
#include "broker/config/config_def.h"

namespace sluice::broker {

namespace {

using protocol::error_code;
namespace json = boost::json;

// Kafka 4.0's DynamicBrokerConfig.AllDynamicConfigs, less what needs a
// feature Kafka has and Sluice does not name at all (remote storage,
// config providers). The log defaults are the broker synonyms of the topic
// configs (DynamicLogConfig), added by is_dynamic_broker_config.
constexpr std::string_view cluster_wide[] = {
    // LogCleaner.RECONFIGURABLE_CONFIGS
    "log.cleaner.threads", "log.cleaner.dedupe.buffer.size", "log.cleaner.io.buffer.load.factor",
    "log.cleaner.io.buffer.size", "log.cleaner.io.max.bytes.per.second", "log.cleaner.backoff.ms",
    // DynamicThreadPool
    "num.io.threads", "num.replica.fetchers", "num.recovery.threads.per.data.dir", "background.threads",
    "metric.reporters",
    // Cluster-level listener configs
    "max.connections", "max.connection.creation.rate", "num.network.threads",
    // SocketServer
    "max.connections.per.ip", "max.connections.per.ip.overrides",
    // DynamicProducerStateManagerConfig
    "producer.id.expiration.ms", "transaction.partition.verification.enable",
    // DynamicConfig.Broker's own (settable only dynamically in Kafka)
    "leader.replication.throttled.rate", "follower.replication.throttled.rate",
    "replica.alter.log.dirs.io.max.bytes.per.second",
    // DynamicLogConfig names with no topic config of their own in Sluice's table
    "compression.gzip.level",
    "compression.lz4.level", "compression.zstd.level", "log.local.retention.ms", "log.local.retention.bytes"};

// DynamicListenerConfig less the cluster-level ones, and the SSL configs:
// these name one broker's listeners, so Kafka refuses them at the default level.
constexpr std::string_view per_broker[] = {"listeners",
                                           "listener.security.protocol.map",
                                           "principal.builder.class",
                                           "ssl.protocol",
                                           "ssl.provider",
                                           "ssl.cipher.suites",
                                           "ssl.enabled.protocols",
                                           "ssl.keystore.type",
                                           "ssl.keystore.location",
                                           "ssl.keystore.password",
                                           "ssl.key.password",
                                           "ssl.truststore.type",
                                           "ssl.truststore.location",
                                           "ssl.truststore.password",
                                           "ssl.keymanager.algorithm",
                                           "ssl.trustmanager.algorithm",
                                           "ssl.endpoint.identification.algorithm",
                                           "ssl.secure.random.implementation",
                                           "ssl.client.auth",
                                           "ssl.engine.factory.class",
                                           "ssl.keystore.certificate.chain",
                                           "ssl.keystore.key",
                                           "ssl.truststore.certificates",
                                           "sasl.mechanism.inter.broker.protocol",
                                           "sasl.jaas.config",
                                           "sasl.enabled.mechanisms",
                                           "sasl.kerberos.service.name",
                                           "sasl.kerberos.kinit.cmd",
                                           "sasl.kerberos.ticket.renew.window.factor",
                                           "sasl.kerberos.ticket.renew.jitter",
                                           "sasl.kerberos.min.time.before.relogin",
                                           "sasl.kerberos.principal.to.local.rules"};

constexpr std::string_view per_broker_login[] = {"sasl.login.refresh.window.factor", "sasl.login.refresh.window.jitter",
                                                 "sasl.login.refresh.min.period.seconds",
                                                 "sasl.login.refresh.buffer.seconds"};

// SslConfigs.RECONFIGURABLE_CONFIGS: only as listener.name.<l>.<name>.
constexpr std::string_view listener_only[] = {
    "ssl.keystore.type",   "ssl.keystore.location",      "ssl.keystore.password",   "ssl.key.password",
    "ssl.truststore.type", "ssl.truststore.location",    "ssl.truststore.password", "ssl.keystore.certificate.chain",
    "ssl.keystore.key",    "ssl.truststore.certificates"};

bool in(std::span<const std::string_view> set, std::string_view name) {
    return std::find(set.begin(), set.end(), name) != set.end();
}

// listener.name.<listener>.<name> -> <name>; nullopt for any other name.
std::optional<std::string_view> listener_base(std::string_view name) {
    constexpr std::string_view prefix = "listener.name.";
    if (!name.starts_with(prefix)) return std::nullopt;
    auto dot = name.find('.', prefix.size());
    if (dot == std::string_view::npos) return std::nullopt;
    return name.substr(dot + 1);
}

// Scala's Set printing, as Kafka's messages show the names.
std::string scala_set(const std::vector<std::string>& names) {
    std::string out = "Set(";
    for (size_t i = 0; i < names.size(); ++i) {
        if (i > 0) out += ", ";
        out += names[i];
    }
    return out + ")";
}

bool is_log_default(std::string_view name) {
    for (auto topic_name : topic_config_names()) {
        if (broker_synonym(topic_name) == name) return true;
    }
    return false;
}

bool is_listed_dynamic(std::string_view name) {
    return in(cluster_wide, name) || in(per_broker, name) || in(per_broker_login, name) || is_log_default(name);
}

struct group_def {
    std::string_view name;
    std::string_view broker_name;
    std::string_view min_name;
    std::string_view max_name;
};

constexpr std::array<group_def, 2> group_defs = {{
    {"consumer.heartbeat.interval.ms", "group.consumer.heartbeat.interval.ms",
     "group.consumer.min.heartbeat.interval.ms", "group.consumer.max.heartbeat.interval.ms"},
    {"consumer.session.timeout.ms", "group.consumer.session.timeout.ms", "group.consumer.min.session.timeout.ms",
     "group.consumer.max.session.timeout.ms"},
}};

const group_def* find_group_def(std::string_view name) {
    for (const auto& d : group_defs) {
        if (d.name == name) return &d;
    }
    return nullptr;
}

int32_t broker_int(const broker_config& broker, std::string_view name) {
    return static_cast<int32_t>(parse_int(broker.value_of(name).value_or("0"), INT32_MIN, INT32_MAX).value_or(0));
}

}  // namespace

bool is_dynamic_broker_config(std::string_view name) {
    if (auto base = listener_base(name)) return is_listed_dynamic(*base);
    return is_listed_dynamic(name);
}

bool is_per_broker_config(std::string_view name) {
    if (auto base = listener_base(name)) {
        return *base != "max.connections" && *base != "max.connection.creation.rate" && *base != "num.network.threads";
    }
    return in(per_broker, name) || in(per_broker_login, name);
}

op_result validate_dynamic_broker_configs(const config_map& props, bool per_broker_level) {
    std::vector<std::string> fixed, unprefixed, broker_only;
    for (const auto& [name, value] : props) {
        if (find_broker_property(name) != nullptr && !is_dynamic_broker_config(name)) fixed.push_back(name);
        if (in(listener_only, name)) unprefixed.push_back(name);
        if (!per_broker_level && is_per_broker_config(name)) broker_only.push_back(name);
    }
    if (!fixed.empty()) {
        return {error_code::invalid_request, "Cannot update these configs dynamically: " + scala_set(fixed)};
    }
    if (!unprefixed.empty()) {
        return {error_code::invalid_request,
                "These security configs can be dynamically updated only per-listener using the listener prefix: " +
                    scala_set(unprefixed)};
    }
    // Values are checked as their base property (Kafka's validateConfigTypes).
    for (const auto& [name, value] : props) {
        std::string_view base = listener_base(name).value_or(name);
        const config_def* def = find_broker_property(base);
        if (def == nullptr) continue;
        if (auto err = validate(*def, value)) return {error_code::invalid_request, *err};
    }
    if (!broker_only.empty()) {
        return {error_code::invalid_request,
                "Cannot update these configs at default cluster level, broker id must be specified: " +
                    scala_set(broker_only)};
    }
    return {};
}

namespace {

// Kafka's request-level refusals, before any operation is looked at: a key
// named twice, or a value missing where the operation needs one.
op_result refuse_repeated_or_null(const std::vector<alter_op>& ops) {
    std::vector<std::string_view> seen;
    for (const auto& op : ops) {
        if (std::find(seen.begin(), seen.end(), op.name) != seen.end()) {
            return {error_code::invalid_request, "Error due to duplicate config keys"};
        }
        seen.push_back(op.name);
        if (op.op != alter_op_type::del && !op.value) {
            return {error_code::invalid_request, "Null value not supported for : " + op.name};
        }
    }
    return {};
}

}  // namespace

op_result apply_broker_ops(config_map& props, const std::vector<alter_op>& ops) {
    if (op_result bad = refuse_repeated_or_null(ops); !bad.ok()) return bad;
    config_map next = props;
    for (const auto& op : ops) {
        switch (op.op) {
            case alter_op_type::set:
                next[op.name] = *op.value;
                break;
            case alter_op_type::del:
                next.erase(op.name);
                break;
            case alter_op_type::append:
            case alter_op_type::subtract: {
                const bool append = op.op == alter_op_type::append;
                const config_def* def = find_broker_property(op.name);
                if (def == nullptr) return {error_code::invalid_config, "Unknown config name: " + op.name};
                if (def->type != config_type::list) {
                    return {error_code::invalid_config, std::string("Config value ") +
                                                            (append ? "append" : "subtract") +
                                                            " is not allowed for config key: " + op.name};
                }
                auto it = next.find(op.name);
                next[op.name] = merge_list(
                    it != next.end() ? std::string_view(it->second) : def->default_value.value_or(""), *op.value, append);
                break;
            }
            default:
                return {error_code::invalid_request,
                        "Unknown operations type " + std::to_string(static_cast<int>(op.op))};
        }
    }
    props = std::move(next);
    return {};
}

bool group_configs_enabled(const broker_config& broker) {
    auto protocols = split_list(broker.value_of("group.coordinator.rebalance.protocols").value_or(""));
    return std::find(protocols.begin(), protocols.end(), "consumer") != protocols.end();
}

bool is_group_config(std::string_view name) { return find_group_def(name) != nullptr; }

op_result validate_group_configs(const config_map& overrides, const broker_config& broker) {
    for (const auto& [name, value] : overrides) {
        const group_def* d = find_group_def(name);
        if (d == nullptr) return {error_code::invalid_config, "Unknown group config name: " + name};
        config_def def{.name = d->name, .type = config_type::int32, .min = 1};
        if (auto err = validate(def, value)) return {error_code::invalid_config, *err};
        auto v = *parse_int(value, INT32_MIN, INT32_MAX);
        if (v < broker_int(broker, d->min_name)) {
            return {error_code::invalid_config,
                    std::string(d->name) + " must be greater than or equal to " + std::string(d->min_name)};
        }
        if (v > broker_int(broker, d->max_name)) {
            return {error_code::invalid_config,
                    std::string(d->name) + " must be less than or equal to " + std::string(d->max_name)};
        }
    }
    return {};
}

op_result apply_group_ops(config_map& overrides, const std::vector<alter_op>& ops) {
    if (op_result bad = refuse_repeated_or_null(ops); !bad.ok()) return bad;
    config_map next = overrides;
    for (const auto& op : ops) {
        switch (op.op) {
            case alter_op_type::set:
                next[op.name] = *op.value;
                break;
            case alter_op_type::del:
                next.erase(op.name);
                break;
            case alter_op_type::append:
            case alter_op_type::subtract:
                if (!is_group_config(op.name)) {
                    return {error_code::invalid_config, "Unknown group config name: " + op.name};
                }
                return {error_code::invalid_config, std::string("Config value ") +
                                                        (op.op == alter_op_type::append ? "append" : "subtract") +
                                                        " is not allowed for config key: " + op.name};
            default:
                return {error_code::invalid_request,
                        "Unknown operations type " + std::to_string(static_cast<int>(op.op))};
        }
    }
    overrides = std::move(next);
    return {};
}

std::vector<config_entry> describe_group(const config_map& overrides, const broker_config& broker,
                                         bool include_synonyms) {
    std::vector<config_entry> out;
    for (const auto& d : group_defs) {
        config_entry e;
        e.name = std::string(d.name);
        auto it = overrides.find(e.name);
        e.value = it != overrides.end() ? std::optional<std::string>(trim(it->second)) : broker.value_of(d.broker_name);
        e.source = it != overrides.end() ? config_source::dynamic_group_config : config_source::default_config;
        e.read_only = false;
        e.type = static_cast<int8_t>(config_type::int32);
        if (include_synonyms) {
            if (it != overrides.end()) e.synonyms.push_back({e.name, e.value, config_source::dynamic_group_config});
            auto inherited = broker.synonyms_of(d.broker_name);
            e.synonyms.insert(e.synonyms.end(), inherited.begin(), inherited.end());
        }
        out.push_back(std::move(e));
    }
    return out;
}

int32_t group_config_int(const config_map& overrides, std::string_view name, const broker_config& broker) {
    const group_def* d = find_group_def(name);
    if (d == nullptr) return 0;
    if (auto it = overrides.find(std::string(name)); it != overrides.end()) {
        if (auto v = parse_int(it->second, 1, INT32_MAX)) return static_cast<int32_t>(*v);
    }
    return broker_int(broker, d->broker_name);
}

std::string encode_config_map(const config_map& props) {
    json::object o;
    for (const auto& [name, value] : props)
        o[name] = value;
    return json::serialize(o);
}

std::optional<config_map> decode_config_map(std::string_view text) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) return std::nullopt;
    config_map out;
    for (const auto& [name, value] : v.as_object()) {
        if (!value.is_string()) return std::nullopt;
        out[std::string(name)] = std::string(value.as_string());
    }
    return out;
}

}  // namespace sluice::broker

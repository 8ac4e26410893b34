#include "broker/config/broker_config.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>

#include "broker/config/broker_properties.h"
#include "broker/config/config_def.h"
#include "broker/config/config_error.h"
#include "broker/config/dynamic_broker_config.h"

namespace sluice::broker {

namespace {

bool is_wildcard(const std::string& host) { return host.empty() || host == "0.0.0.0" || host == "::"; }

// A group member's value in the first member's unit. Negative retention means
// "unlimited" whatever the unit, so it is -1 (Kafka's logRetentionTimeMillis).
std::string scaled(const synonym_group& group, const synonym_member& m, std::string_view raw) {
    if (m.scale == 0) return std::string(trim(raw));
    int64_t v = *parse_int(raw, INT64_MIN, INT64_MAX);  // validated already
    if (group.front().name == "log.retention.ms" && v < 0) return "-1";
    return std::to_string(v * m.scale);
}

}  // namespace

std::string local_hostname() {
    char buf[256] = {};
    if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
    return buf;
}

std::optional<std::pair<std::string_view, int8_t>> broker_config::raw(std::string_view name) const {
    if (auto it = dynamic_broker_.find(name); it != dynamic_broker_.end()) {
        return std::pair<std::string_view, int8_t>{it->second, config_source::dynamic_broker_config};
    }
    if (auto it = dynamic_default_.find(name); it != dynamic_default_.end()) {
        return std::pair<std::string_view, int8_t>{it->second, config_source::dynamic_default_broker_config};
    }
    if (auto it = set_.find(name); it != set_.end()) {
        return std::pair<std::string_view, int8_t>{it->second, config_source::static_broker_config};
    }
    return std::nullopt;
}

std::optional<std::string> broker_config::value_of(std::string_view name) const {
    // Per-listener overrides (listener.name.<listener>.<property>) have no
    // default of their own: unset is nullopt, and the caller falls back.
    if (name.starts_with("listener.name.")) {
        auto r = raw(name);
        return r ? std::optional<std::string>(trim(r->first)) : std::nullopt;
    }
    const config_def* def = find_broker_property(name);
    if (def == nullptr) return std::nullopt;
    const synonym_group* group = find_synonym_group(name);
    if (group != nullptr && group->front().name == name) {
        // Kafka overlays each level on the one below and drops the synonyms
        // of what it overlays, so the highest level setting any member wins.
        std::optional<std::string> best;
        int8_t best_source = config_source::default_config;
        for (const auto& m : *group) {
            if (auto r = raw(m.name); r && (!best || r->second < best_source)) {
                best = scaled(*group, m, r->first);
                best_source = r->second;
            }
        }
        if (best) return best;
        for (const auto& m : *group) {
            const config_def* d = find_broker_property(m.name);
            if (d->default_value) return scaled(*group, m, *d->default_value);
        }
        return std::nullopt;
    }
    if (auto r = raw(name)) return std::string(trim(r->first));
    if (def->default_value) return std::string(*def->default_value);
    return std::nullopt;
}

int8_t broker_config::source_of(std::string_view name) const {
    const synonym_group* group = find_synonym_group(name);
    int8_t source = config_source::default_config;
    auto consider = [&](std::string_view n) {
        if (auto r = raw(n); r && r->second < source) source = r->second;
    };
    if (group != nullptr && group->front().name == name) {
        for (const auto& m : *group) consider(m.name);
    } else {
        consider(name);
    }
    return source;
}

std::vector<config_synonym> broker_config::synonyms_of(std::string_view name) const {
    std::vector<config_synonym> out;
    const synonym_group* group = find_synonym_group(name);
    std::vector<std::string_view> names;
    if (group != nullptr) {
        for (const auto& m : *group)
            names.push_back(m.name);
    } else {
        names.push_back(name);
    }
    auto hide = [](const config_def* d) { return d != nullptr && d->type == config_type::password; };
    // Kafka's order: every name's per-broker value, then the cluster
    // defaults, then the static values, then the default.
    const std::pair<const config_layer*, int8_t> levels[] = {
        {&dynamic_broker_, config_source::dynamic_broker_config},
        {&dynamic_default_, config_source::dynamic_default_broker_config},
        {&set_, config_source::static_broker_config},
    };
    for (const auto& [layer, source] : levels) {
        for (auto n : names) {
            if (auto it = layer->find(n); it != layer->end()) {
                auto value =
                    hide(find_broker_property(n)) ? std::nullopt : std::optional<std::string>(trim(it->second));
                out.push_back({std::string(n), value, source});
            }
        }
    }
    // Kafka ends the list with the default that would apply if nothing were set.
    for (auto n : names) {
        const config_def* d = find_broker_property(n);
        if (d != nullptr && d->default_value) {
            auto value = hide(d) ? std::nullopt : std::optional<std::string>(*d->default_value);
            out.push_back({std::string(n), value, config_source::default_config});
            break;
        }
    }
    return out;
}

std::vector<config_entry> broker_config::describe(bool include_synonyms) const {
    std::vector<config_entry> out;
    for (const auto& def : broker_property_defs()) {
        config_entry e;
        e.name = std::string(def.name);
        e.is_sensitive = def.type == config_type::password;
        e.value = e.is_sensitive ? std::nullopt : value_of(def.name);
        e.source = source_of(def.name);
        e.read_only = !is_dynamic_broker_config(def.name);
        e.type = static_cast<int8_t>(def.type);
        if (include_synonyms) e.synonyms = synonyms_of(def.name);
        out.push_back(std::move(e));
    }
    return out;
}

namespace {

// Kafka's checks on the group.consumer.* bounds, with its messages.
template <typename Int32>
void read_consumer_group_settings(broker_config& c, Int32 i32, std::vector<std::string> assignors) {
    auto within = [&](std::string_view name, std::string_view min, std::string_view max) {
        int32_t v = i32(name);
        if (v < i32(min))
            throw config_error(std::string(name) + " must be greater than or equal to " + std::string(min));
        if (v > i32(max)) throw config_error(std::string(name) + " must be less than or equal to " + std::string(max));
        return v;
    };
    c.group_consumer_session_timeout_ms =
        within("group.consumer.session.timeout.ms", "group.consumer.min.session.timeout.ms",
               "group.consumer.max.session.timeout.ms");
    c.group_consumer_heartbeat_interval_ms =
        within("group.consumer.heartbeat.interval.ms", "group.consumer.min.heartbeat.interval.ms",
               "group.consumer.max.heartbeat.interval.ms");
    if (c.group_consumer_heartbeat_interval_ms >= c.group_consumer_session_timeout_ms) {
        throw config_error("group.consumer.heartbeat.interval.ms must be less than group.consumer.session.timeout.ms");
    }
    c.group_consumer_max_size = i32("group.consumer.max.size");
    // Kafka takes the built-in assignors by name or by class name.
    c.group_consumer_assignors.clear();
    for (auto& a : assignors) {
        if (a == "uniform" || a == "org.apache.kafka.coordinator.group.assignor.UniformAssignor") {
            c.group_consumer_assignors.push_back("uniform");
        } else if (a == "range" || a == "org.apache.kafka.coordinator.group.assignor.RangeAssignor") {
            c.group_consumer_assignors.push_back("range");
        } else {
            throw config_error(
                invalid_value_message("group.consumer.assignors", a, "Unknown assignor (known: uniform, range)"));
        }
    }
    if (c.group_consumer_assignors.empty()) {
        throw config_error(invalid_value_message("group.consumer.assignors", "", "At least one assignor is needed"));
    }
}

// Kafka's two ACL authorizers (KRaft's and ZooKeeper's) both mean "enforce
// ACLs"; any other class cannot be loaded here.
void read_authorizer_settings(broker_config& c, const std::string& class_name, const std::string& super_users) {
    c.authorizer_enabled = false;
    c.super_users.clear();
    if (class_name == "org.apache.kafka.metadata.authorizer.StandardAuthorizer" ||
        class_name == "kafka.security.authorizer.AclAuthorizer") {
        c.authorizer_enabled = true;
    } else if (!class_name.empty()) {
        throw config_error(invalid_value_message(
            "authorizer.class.name", class_name,
            "Unknown authorizer (known: org.apache.kafka.metadata.authorizer.StandardAuthorizer, "
            "kafka.security.authorizer.AclAuthorizer)"));
    }
    size_t start = 0;
    while (start <= super_users.size()) {
        size_t end = super_users.find(';', start);
        if (end == std::string::npos) end = super_users.size();
        std::string user(trim(std::string_view(super_users).substr(start, end - start)));
        if (!user.empty()) {
            if (user.find(':') == std::string::npos) {
                throw config_error(invalid_value_message("super.users", super_users,
                                                         "Could not parse principal from `" + user +
                                                             "` (no colon is present separating the principal "
                                                             "type from the principal name)"));
            }
            c.super_users.push_back(std::move(user));
        }
        start = end + 1;
    }
}

}  // namespace

broker_config broker_config::from_properties(const property_list& props) {
    broker_config c;
    for (const auto& [key, value] : props) {
        // Per-listener overrides: kept, and checked below as their property.
        if (key.starts_with("listener.name.")) {
            c.set_[key] = value;
            continue;
        }
        if (find_broker_property(key) == nullptr) {
            if (std::find(c.unknown_.begin(), c.unknown_.end(), key) == c.unknown_.end()) {
                spdlog::warn("The configuration '{}' was supplied but isn't a known config.", key);
                c.unknown_.push_back(key);
            }
            continue;
        }
        c.set_[key] = value;
    }
    // Only the winning value of each key is checked: an override may fix a
    // bad file value.
    for (const auto& [key, value] : c.set_) {
        const config_def* def = find_broker_property(key);
        config_def prefixed;
        if (key.starts_with("listener.name.")) {
            // listener.name.<listener>.<property> is checked as <property>,
            // named as set. An unknown <property> is left to its reader.
            auto dot = key.find('.', 14);
            def = dot == std::string::npos ? nullptr : find_broker_property(std::string_view(key).substr(dot + 1));
            if (def == nullptr) continue;
            prefixed = *def;
            prefixed.name = key;
            def = &prefixed;
        }
        if (auto err = validate(*def, value)) throw config_error(*err);
    }
    c.read_fields();
    return c;
}

void broker_config::set_dynamic(config_layer cluster_default, config_layer per_broker) {
    broker_config next = *this;
    next.dynamic_default_ = std::move(cluster_default);
    next.dynamic_broker_ = std::move(per_broker);
    next.read_fields();
    // Listeners and their SSL/SASL settings are bound once at startup: a
    // dynamic value of them is stored and described, never half-applied.
    next.listeners = listeners;
    next.advertised_listeners = advertised_listeners;
    next.sasl = sasl;
    // Copied field by field into the same objects: references others hold
    // to this config (and to its members) stay valid.
    *this = next;
}

void broker_config::read_fields() {
    broker_config& c = *this;
    auto str = [&](std::string_view n) { return c.value_of(n).value_or(""); };
    auto num = [&](std::string_view n) { return *parse_int(str(n), INT64_MIN, INT64_MAX); };
    auto i32 = [&](std::string_view n) { return static_cast<int32_t>(num(n)); };
    auto i16 = [&](std::string_view n) { return static_cast<int16_t>(num(n)); };
    auto flag = [&](std::string_view n) { return *parse_bool(str(n)); };

    if (c.is_set("node.id") && c.is_set("broker.id") &&
        num("node.id") != *parse_int(c.set_.find("broker.id")->second, 0, INT32_MAX)) {
        throw config_error("broker.id (" + c.set_.find("broker.id")->second + ") must be equal to node.id (" +
                           c.set_.find("node.id")->second + ")");
    }
    c.node_id = i32("node.id");

    auto protocols = parse_security_protocol_map(str("listener.security.protocol.map"));
    c.listeners = parse_listeners("listeners", str("listeners"), protocols);
    if (c.is_set("advertised.listeners")) {
        c.advertised_listeners = parse_listeners("advertised.listeners", str("advertised.listeners"), protocols);
        for (auto& l : c.advertised_listeners) {
            if (l.host == "0.0.0.0" || l.host == "::") {
                throw config_error(invalid_value_message("advertised.listeners", str("advertised.listeners"),
                                                         "cannot use the nonroutable meta-address " + l.host));
            }
            bool listened = std::any_of(c.listeners.begin(), c.listeners.end(),
                                        [&](const listener& x) { return x.name == l.name; });
            if (!listened) {
                throw config_error(invalid_value_message("advertised.listeners", str("advertised.listeners"),
                                                         "listener " + l.name + " is not in listeners"));
            }
        }
    } else {
        c.advertised_listeners = c.listeners;
    }
    for (auto& l : c.advertised_listeners) {
        if (is_wildcard(l.host)) l.host = local_hostname();
    }

    c.log_dirs = split_list(str("log.dirs"));
    if (c.log_dirs.empty() || std::any_of(c.log_dirs.begin(), c.log_dirs.end(), [](auto& d) { return d.empty(); })) {
        throw config_error(invalid_value_message("log.dirs", str("log.dirs"), "Expected a comma list of directories"));
    }

    c.num_partitions = i32("num.partitions");
    c.default_replication_factor = i16("default.replication.factor");
    c.auto_create_topics_enable = flag("auto.create.topics.enable");
    c.delete_topic_enable = flag("delete.topic.enable");

    c.log_segment_bytes = i32("log.segment.bytes");
    c.log_roll_ms = num("log.roll.ms");
    c.log_roll_jitter_ms = num("log.roll.jitter.ms");
    c.log_retention_ms = num("log.retention.ms");
    c.producer_id_expiration_ms = num("producer.id.expiration.ms");
    c.producer_id_expiration_check_interval_ms = num("producer.id.expiration.check.interval.ms");
    c.log_retention_bytes = num("log.retention.bytes");
    c.log_retention_check_interval_ms = num("log.retention.check.interval.ms");
    c.log_index_interval_bytes = i32("log.index.interval.bytes");
    c.log_index_size_max_bytes = i32("log.index.size.max.bytes");
    c.log_index_cache_bytes = num("log.index.cache.bytes");
    c.produce_io_uring_enable = flag("sluice.produce.io_uring.enable");
    c.log_flush_interval_messages = num("log.flush.interval.messages");
    c.log_flush_interval_ms = num("log.flush.interval.ms");
    c.log_message_timestamp_type = str("log.message.timestamp.type");
    c.log_cleanup_policy = split_list(str("log.cleanup.policy"));
    c.log_segment_delete_delay_ms = num("log.segment.delete.delay.ms");
    c.log_preallocate = flag("log.preallocate");

    c.log_cleaner_enable = flag("log.cleaner.enable");
    c.log_cleaner_threads = i32("log.cleaner.threads");
    c.log_cleaner_dedupe_buffer_size = num("log.cleaner.dedupe.buffer.size");
    c.log_cleaner_io_buffer_size = i32("log.cleaner.io.buffer.size");
    c.log_cleaner_backoff_ms = num("log.cleaner.backoff.ms");
    c.log_cleaner_delete_retention_ms = num("log.cleaner.delete.retention.ms");
    c.log_cleaner_min_compaction_lag_ms = num("log.cleaner.min.compaction.lag.ms");
    c.log_cleaner_max_compaction_lag_ms = num("log.cleaner.max.compaction.lag.ms");
    c.log_cleaner_min_cleanable_ratio = *parse_double(str("log.cleaner.min.cleanable.ratio"));

    c.message_max_bytes = i32("message.max.bytes");
    c.socket_request_max_bytes = i32("socket.request.max.bytes");
    c.fetch_max_bytes = i32("fetch.max.bytes");
    c.replica_fetch_max_bytes = i32("replica.fetch.max.bytes");
    c.replica_lag_time_max_ms = num("replica.lag.time.max.ms");
    c.replica_fetch_wait_max_ms = i32("replica.fetch.wait.max.ms");
    c.replica_fetch_min_bytes = i32("replica.fetch.min.bytes");
    c.replica_fetch_response_max_bytes = i32("replica.fetch.response.max.bytes");
    c.replica_fetch_backoff_ms = i32("replica.fetch.backoff.ms");
    c.replica_socket_timeout_ms = i32("replica.socket.timeout.ms");
    c.num_replica_fetchers = i32("num.replica.fetchers");
    c.leader_replication_throttled_rate = num("leader.replication.throttled.rate");
    c.follower_replication_throttled_rate = num("follower.replication.throttled.rate");
    c.replication_quota_window_num = i32("replication.quota.window.num");
    c.replication_quota_window_size_seconds = i32("replication.quota.window.size.seconds");
    // Kafka's own cross-checks, in its words.
    if (c.replica_fetch_wait_max_ms > c.replica_socket_timeout_ms) {
        throw config_error("replica.socket.timeout.ms should always be at least replica.fetch.wait.max.ms to "
                           "prevent unnecessary socket timeouts");
    }
    if (c.replica_fetch_wait_max_ms > c.replica_lag_time_max_ms) {
        throw config_error("replica.fetch.wait.max.ms should always be less than or equal to "
                           "replica.lag.time.max.ms to prevent frequent changes in ISR");
    }
    c.num_network_threads = i32("num.network.threads");
    c.num_io_threads = i32("num.io.threads");
    c.min_insync_replicas = i32("min.insync.replicas");
    c.compression_type = str("compression.type");
    c.unclean_leader_election_enable = flag("unclean.leader.election.enable");
    c.auto_leader_rebalance_enable = flag("auto.leader.rebalance.enable");
    c.leader_imbalance_check_interval_seconds = num("leader.imbalance.check.interval.seconds");
    c.leader_imbalance_per_broker_percentage = i32("leader.imbalance.per.broker.percentage");
    c.controlled_shutdown_enable = flag("controlled.shutdown.enable");
    c.controlled_shutdown_max_retries = i32("controlled.shutdown.max.retries");
    c.controlled_shutdown_retry_backoff_ms = num("controlled.shutdown.retry.backoff.ms");

    c.offsets_topic_num_partitions = i32("offsets.topic.num.partitions");
    c.offsets_topic_replication_factor = i16("offsets.topic.replication.factor");
    c.offsets_retention_minutes = i32("offsets.retention.minutes");
    c.group_initial_rebalance_delay_ms = i32("group.initial.rebalance.delay.ms");
    c.group_min_session_timeout_ms = i32("group.min.session.timeout.ms");
    c.group_max_session_timeout_ms = i32("group.max.session.timeout.ms");
    read_consumer_group_settings(c, i32, split_list(str("group.consumer.assignors")));

    if (auto id = c.value_of("cluster.id")) {
        if (id->empty()) throw config_error(invalid_value_message("cluster.id", *id, "must not be empty"));
        c.cluster_id = *id;
    }
    c.metadata_etcd_endpoints = c.value_of("metadata.etcd.endpoints");
    c.metadata_etcd_prefix = str("metadata.etcd.prefix");
    c.metadata_etcd_session_timeout_ms = i32("metadata.etcd.session.timeout.ms");
    c.initial_broker_registration_timeout_ms = i32("initial.broker.registration.timeout.ms");
    // The older single-listener property still works, unless http.listeners is given too.
    if (auto http = str("sluice.http.listener"); !http.empty() && !c.is_set("http.listeners")) {
        try {
            c.http_listeners = parse_listeners("sluice.http.listener", "HTTP://" + http, {{"HTTP", "PLAINTEXT"}});
        } catch (const config_error&) {
            throw config_error(invalid_value_message("sluice.http.listener", http, "Expected host:port"));
        }
    } else {
        // Each parsed alone: unlike Kafka listeners they need no distinct names.
        c.http_listeners.clear();
        for (const auto& one : split_list(str("http.listeners"))) {
            c.http_listeners.push_back(parse_listeners("http.listeners", one, {{"HTTP", "PLAINTEXT"}}).at(0));
        }
    }
    c.schema_registry_listeners.clear();
    for (const auto& one : split_list(str("schema.registry.listeners"))) {
        c.schema_registry_listeners.push_back(
            parse_listeners("schema.registry.listeners", one, {{"HTTP", "PLAINTEXT"}}).at(0));
    }
    c.schema_registry_basic_auth = str("schema.registry.authentication.method") == "BASIC";
    c.http_request_timeout_ms = i32("sluice.http.request.timeout.ms");
    c.http_key_follow_max = i32("sluice.http.key.follow.max");
    c.http_console_enable = flag("http.console.enable");
    c.http_console_read_only = flag("http.console.read.only");
    c.metrics_enabled = flag("sluice.metrics.enabled");
    read_authorizer_settings(c, str("authorizer.class.name"), str("super.users"));
    c.allow_everyone_if_no_acl_found = flag("allow.everyone.if.no.acl.found");
    c.sasl = read_sasl_config(
        c.listeners,
        [&](std::string_view n) -> std::optional<std::string> {
            if (n.starts_with("listener.name.") || c.is_set(n)) return c.value_of(n);
            return std::nullopt;
        },
        c.value_of("inter.broker.listener.name").value_or(str("security.inter.broker.protocol")));
}

broker_config broker_config::load(const std::optional<std::filesystem::path>& file,
                                  const std::vector<std::string>& overrides) {
    property_list props;
    if (file) props = read_properties_file(*file);
    for (const auto& o : overrides) {
        auto eq = o.find('=');
        std::string key(eq == std::string::npos ? std::string_view{} : trim(std::string_view(o).substr(0, eq)));
        if (key.empty()) throw config_error("Invalid --override '" + o + "': expected key=value");
        props.emplace_back(std::move(key), std::string(trim(std::string_view(o).substr(eq + 1))));
    }
    return from_properties(props);
}

}  // namespace sluice::broker

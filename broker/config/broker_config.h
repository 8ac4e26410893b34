#pragma once
// The broker's static configuration: Kafka property names read from a
// server.properties file and `--override key=value` arguments, checked once at
// startup (malformed values throw config_error naming the property), then held
// as typed fields. The raw set values are kept so DescribeConfigs can report
// each property's value, source and synonyms the way Kafka does.
//
// Every property of broker_properties.cc is known: most are read into the
// fields below, the rest are accepted so Kafka's own files start unchanged. An
// unknown name is logged as a warning and listed in unknown_keys().
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/config/config_entry.h"
#include "broker/config/listener.h"
#include "broker/config/properties_file.h"
#include "broker/config/sasl_config.h"

namespace sluice::broker {

inline constexpr int64_t int64_max = 9223372036854775807LL;

// One level of configs, name -> value as set.
using config_layer = std::map<std::string, std::string, std::less<>>;

struct broker_config {
    // Field initialisers are the table defaults (a test keeps them equal), so
    // a default-constructed broker_config is the zero-argument broker.
    int32_t node_id = 0;  // node.id, alias broker.id
    std::vector<listener> listeners{{"PLAINTEXT", "localhost", 9092, "PLAINTEXT"}};
    // advertised.listeners, or listeners with an empty/wildcard host replaced
    // by this machine's hostname.
    std::vector<listener> advertised_listeners{{"PLAINTEXT", "localhost", 9092, "PLAINTEXT"}};
    std::vector<std::string> log_dirs{"./sluice-data"};  // log.dirs, alias log.dir
    int32_t num_partitions = 1;
    int16_t default_replication_factor = 1;
    bool auto_create_topics_enable = true;
    bool delete_topic_enable = true;

    int32_t log_segment_bytes = 1073741824;
    int64_t log_roll_ms = 168LL * 3'600'000;         // log.roll.ms > log.roll.hours
    int64_t log_roll_jitter_ms = 0;                  // log.roll.jitter.ms > .hours
    int64_t log_retention_ms = 168LL * 3'600'000;    // ms > minutes > hours; -1 = unlimited
    int64_t log_retention_bytes = -1;
    int64_t log_retention_check_interval_ms = 300000;
    int64_t producer_id_expiration_ms = 86400000;
    int64_t producer_id_expiration_check_interval_ms = 600000;
    int32_t log_index_interval_bytes = 4096;
    int32_t log_index_size_max_bytes = 10485760;
    int64_t log_index_cache_bytes = 8388608;  // Sluice's own (log/index_block_cache.h)
    bool produce_io_uring_enable = false;     // Sluice's own (log/write_ring.h)
    int64_t log_flush_interval_messages = int64_max;
    int64_t log_flush_interval_ms = int64_max;  // unset: log.flush.scheduler.interval.ms
    std::string log_message_timestamp_type = "CreateTime";
    std::vector<std::string> log_cleanup_policy{"delete"};
    int64_t log_segment_delete_delay_ms = 60000;
    bool log_preallocate = false;

    bool log_cleaner_enable = true;
    int32_t log_cleaner_threads = 1;
    int64_t log_cleaner_dedupe_buffer_size = 134217728;
    int32_t log_cleaner_io_buffer_size = 524288;
    int64_t log_cleaner_backoff_ms = 15000;
    int64_t log_cleaner_delete_retention_ms = 86400000;
    int64_t log_cleaner_min_compaction_lag_ms = 0;
    int64_t log_cleaner_max_compaction_lag_ms = int64_max;
    double log_cleaner_min_cleanable_ratio = 0.5;

    int32_t message_max_bytes = 1048588;
    int32_t socket_request_max_bytes = 104857600;
    int32_t fetch_max_bytes = 57671680;
    int32_t replica_fetch_max_bytes = 1048576;
    int64_t replica_lag_time_max_ms = 30000;
    int32_t replica_fetch_wait_max_ms = 500;
    int32_t replica_fetch_min_bytes = 1;
    int32_t replica_fetch_response_max_bytes = 10485760;
    int32_t replica_fetch_backoff_ms = 1000;
    int32_t replica_socket_timeout_ms = 30000;
    int32_t num_replica_fetchers = 1;  // fetchers per source broker
    // Bytes per second of throttled replicas' data (INT64_MAX: no throttle).
    int64_t leader_replication_throttled_rate = INT64_MAX;
    int64_t follower_replication_throttled_rate = INT64_MAX;
    int32_t replication_quota_window_num = 11;
    int32_t replication_quota_window_size_seconds = 1;
    int32_t num_network_threads = 3;
    int32_t num_io_threads = 8;
    int32_t min_insync_replicas = 1;
    std::string compression_type = "producer";
    bool unclean_leader_election_enable = false;
    // Cluster mode's controller and shutdown. The broker waits at most
    // max.retries x retry.backoff.ms for its leaderships to move.
    bool auto_leader_rebalance_enable = true;
    int64_t leader_imbalance_check_interval_seconds = 300;
    int32_t leader_imbalance_per_broker_percentage = 10;
    bool controlled_shutdown_enable = true;
    int32_t controlled_shutdown_max_retries = 3;
    int64_t controlled_shutdown_retry_backoff_ms = 5000;

    int32_t offsets_topic_num_partitions = 50;
    int16_t offsets_topic_replication_factor = 3;
    int32_t offsets_retention_minutes = 10080;
    int32_t group_initial_rebalance_delay_ms = 3000;
    int32_t group_min_session_timeout_ms = 6000;
    int32_t group_max_session_timeout_ms = 1800000;
    int32_t group_consumer_session_timeout_ms = 45000;
    int32_t group_consumer_heartbeat_interval_ms = 5000;
    int32_t group_consumer_max_size = 2147483647;
    std::vector<std::string> group_consumer_assignors{"uniform", "range"};

    // cluster.id when configured; otherwise the metadata store generates one.
    std::optional<std::string> cluster_id;
    // metadata.etcd.*: set endpoints = cluster mode, the metadata store in
    // etcd; nullopt = the local file under the first log dir.
    std::optional<std::string> metadata_etcd_endpoints;
    std::string metadata_etcd_prefix = "/sluice";
    int32_t metadata_etcd_session_timeout_ms = 6000;
    // How long a starting broker waits for etcd (Kafka's bound on its first
    // registration) before it exits.
    int32_t initial_broker_registration_timeout_ms = 60000;
    // http.listeners ("http://host:port", comma-separated; empty = no HTTP
    // server), or the older sluice.http.listener "host:port" when only that
    // is set. Metrics and health (broker/http/). Parsed properties get the
    // property's default (http://localhost:9644); a config built in code
    // (tests, tools) has none, so brokers started side by side do not
    // compete for the port.
    std::vector<listener> http_listeners;
    int32_t http_request_timeout_ms = 10000;  // sluice.http.request.timeout.ms
    int32_t http_key_follow_max = 32;         // sluice.http.key.follow.max: concurrent ?follow=true streams
    // schema.registry.listeners, as http.listeners: the property's default
    // (http://localhost:8081) when parsed, none in a config built in code.
    std::vector<listener> schema_registry_listeners;
    bool schema_registry_basic_auth = false;  // schema.registry.authentication.method=BASIC
    bool http_console_enable = true;          // http.console.enable
    bool http_console_read_only = false;      // http.console.read.only
    bool metrics_enabled = true;              // sluice.metrics.enabled
    // authorizer.class.name names one of Kafka's authorizers: ACLs enforced.
    bool authorizer_enabled = false;
    std::vector<std::string> super_users;  // super.users, "User:alice;User:bob"
    bool allow_everyone_if_no_acl_found = false;
    sasl_config sasl;  // SASL_* listeners' mechanisms and users

    // Parses and checks `props` (later entries win). Throws config_error.
    static broker_config from_properties(const property_list& props);
    // `file` may be empty (all defaults); each override is "key=value" and
    // wins over the file. Throws config_error.
    static broker_config load(const std::optional<std::filesystem::path>& file,
                              const std::vector<std::string>& overrides);

    // The dynamic levels (dynamic_broker_config.h) over the static set:
    // per-broker wins over the cluster default, which wins over the file.
    // The typed fields are read again (except the listeners and their
    // SASL settings, bound at startup); on a config_error (an invalid
    // combination) nothing changes.
    void set_dynamic(config_layer cluster_default, config_layer per_broker);
    const config_layer& dynamic_default() const { return dynamic_default_; }
    const config_layer& dynamic_broker() const { return dynamic_broker_; }

    // One entry per known broker property, for DescribeConfigs (BROKER).
    std::vector<config_entry> describe(bool include_synonyms = false) const;
    // The effective value as Kafka would print it; for the first name of a
    // synonym group (log.retention.ms, log.roll.ms, node.id, log.dirs, ...)
    // the value resolved across the group. nullopt for a null value or an
    // unknown name.
    std::optional<std::string> value_of(std::string_view name) const;
    // Whether `name` (exactly) was set by the file or an override.
    bool is_set(std::string_view name) const { return set_.contains(name); }
    // describe()'s source and synonyms for one name, shared with topic_config.
    int8_t source_of(std::string_view name) const;
    std::vector<config_synonym> synonyms_of(std::string_view name) const;

    const std::vector<std::string>& unknown_keys() const { return unknown_; }

    bool operator==(const broker_config&) const = default;

private:
    // Reads the typed fields from value_of (from_properties, set_dynamic).
    void read_fields();
    // The value as set at the highest level that sets `name`, and that level.
    std::optional<std::pair<std::string_view, int8_t>> raw(std::string_view name) const;

    config_layer set_;
    config_layer dynamic_default_;
    config_layer dynamic_broker_;
    std::vector<std::string> unknown_;
};

// This machine's hostname, or "localhost" if it has none.
std::string local_hostname();

}  // namespace sluice::broker

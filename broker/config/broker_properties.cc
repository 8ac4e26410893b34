#include "broker/config/broker_properties.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>
#include <string>

#include "replication/etcd/etcd_client.h"

namespace sluice::broker {

namespace {

constexpr std::string_view long_max = "9223372036854775807";
constexpr std::string_view int_max = "2147483647";
constexpr double int16_max = 32767;

using t = config_type;

bool is_etcd_endpoint_list(std::string_view value) {
    try {
        replication::etcd::parse_endpoints(std::string(value));
        return true;
    } catch (const std::invalid_argument&) {
        return false;
    }
}

// Keys are <prefix>/...: a trailing '/' is trimmed, so "/" alone would
// leave the cluster's keys at the root of etcd's keyspace.
bool is_etcd_prefix(std::string_view value) {
    return value.starts_with('/') && value.find_first_not_of('/') != std::string_view::npos;
}

// Kafka's ConsumerGroupMigrationPolicy names, case-insensitive.
bool is_migration_policy(std::string_view value) {
    std::string lower(value);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    return lower == "disabled" || lower == "upgrade" || lower == "downgrade" || lower == "bidirectional";
}

// Read by Sluice. Defaults are Kafka's except where a comment says otherwise.
std::vector<config_def> used_defs() {
    return {
        // Kafka defaults node.id/broker.id to -1 (KRaft requires it); a single
        // Sluice broker needs no setup, so it is node 0.
        {.name = "node.id", .type = t::int32, .default_value = "0", .min = 0},
        {.name = "broker.id", .type = t::int32, .default_value = "0", .min = 0},
        {.name = "listeners", .type = t::string, .default_value = "PLAINTEXT://localhost:9092"},
        {.name = "advertised.listeners", .type = t::string, .default_value = std::nullopt},
        {.name = "listener.security.protocol.map",
         .type = t::string,
         .default_value = "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL"},
        {.name = "log.dirs", .type = t::string, .default_value = std::nullopt},
        // Kafka: /tmp/kafka-logs. Sluice keeps data next to where it runs.
        {.name = "log.dir", .type = t::string, .default_value = "./sluice-data"},
        {.name = "num.partitions", .type = t::int32, .default_value = "1", .min = 1},
        {.name = "default.replication.factor", .type = t::int32, .default_value = "1", .min = 1, .max = int16_max},
        {.name = "auto.create.topics.enable", .type = t::boolean, .default_value = "true"},
        {.name = "delete.topic.enable", .type = t::boolean, .default_value = "true"},
        {.name = "log.segment.bytes", .type = t::int32, .default_value = "1073741824", .min = 14},
        {.name = "log.roll.ms", .type = t::int64, .default_value = std::nullopt, .min = 1},
        {.name = "log.roll.hours", .type = t::int32, .default_value = "168", .min = 1},
        {.name = "log.roll.jitter.ms", .type = t::int64, .default_value = std::nullopt, .min = 0},
        {.name = "log.roll.jitter.hours", .type = t::int32, .default_value = "0", .min = 0},
        {.name = "log.retention.ms", .type = t::int64, .default_value = std::nullopt},
        {.name = "log.retention.minutes", .type = t::int32, .default_value = std::nullopt},
        {.name = "log.retention.hours", .type = t::int32, .default_value = "168"},
        {.name = "log.retention.bytes", .type = t::int64, .default_value = "-1"},
        {.name = "log.retention.check.interval.ms", .type = t::int64, .default_value = "300000", .min = 1},
        {.name = "log.index.interval.bytes", .type = t::int32, .default_value = "4096", .min = 0},
        {.name = "log.index.size.max.bytes", .type = t::int32, .default_value = "10485760", .min = 4},
        // Sluice's own: the memory index lookups may keep (log/index_block_cache.h).
        {.name = "log.index.cache.bytes", .type = t::int64, .default_value = "8388608", .min = 0},
        {.name = "log.flush.interval.messages", .type = t::int64, .default_value = long_max, .min = 1},
        {.name = "log.flush.interval.ms", .type = t::int64, .default_value = std::nullopt, .min = 0},
        {.name = "log.flush.scheduler.interval.ms", .type = t::int64, .default_value = long_max, .min = 0},
        {.name = "log.message.timestamp.type",
         .type = t::string,
         .default_value = "CreateTime",
         .allowed = {"CreateTime", "LogAppendTime"}},
        {.name = "log.message.timestamp.difference.max.ms", .type = t::int64, .default_value = long_max, .min = 0},
        {.name = "log.message.timestamp.before.max.ms", .type = t::int64, .default_value = long_max, .min = 0},
        {.name = "log.message.timestamp.after.max.ms", .type = t::int64, .default_value = long_max, .min = 0},
        {.name = "log.cleanup.policy", .type = t::list, .default_value = "delete", .allowed = {"compact", "delete"}},
        {.name = "log.segment.delete.delay.ms", .type = t::int64, .default_value = "60000", .min = 0},
        {.name = "log.preallocate", .type = t::boolean, .default_value = "false"},
        {.name = "log.message.downconversion.enable", .type = t::boolean, .default_value = "true"},
        {.name = "log.cleaner.enable", .type = t::boolean, .default_value = "true"},
        {.name = "log.cleaner.threads", .type = t::int32, .default_value = "1", .min = 0},
        {.name = "log.cleaner.dedupe.buffer.size", .type = t::int64, .default_value = "134217728"},
        {.name = "log.cleaner.io.buffer.size", .type = t::int32, .default_value = "524288", .min = 0},
        {.name = "log.cleaner.backoff.ms", .type = t::int64, .default_value = "15000", .min = 0},
        {.name = "log.cleaner.delete.retention.ms", .type = t::int64, .default_value = "86400000", .min = 0},
        {.name = "log.cleaner.min.compaction.lag.ms", .type = t::int64, .default_value = "0", .min = 0},
        {.name = "log.cleaner.max.compaction.lag.ms", .type = t::int64, .default_value = long_max, .min = 1},
        {.name = "log.cleaner.min.cleanable.ratio", .type = t::float64, .default_value = "0.5", .min = 0, .max = 1},
        {.name = "message.max.bytes", .type = t::int32, .default_value = "1048588", .min = 0},
        {.name = "socket.request.max.bytes", .type = t::int32, .default_value = "104857600", .min = 1},
        {.name = "num.network.threads", .type = t::int32, .default_value = "3", .min = 1},
        {.name = "num.io.threads", .type = t::int32, .default_value = "8", .min = 1},
        {.name = "offsets.topic.num.partitions", .type = t::int32, .default_value = "50", .min = 1},
        // Kafka: 3, which a single broker cannot satisfy. Sluice starts as one
        // node, so it defaults to 1; set it when running a cluster.
        {.name = "offsets.topic.replication.factor", .type = t::int16, .default_value = "3", .min = 1},
        {.name = "offsets.retention.minutes", .type = t::int32, .default_value = "10080", .min = 1},
        {.name = "group.initial.rebalance.delay.ms", .type = t::int32, .default_value = "3000", .min = 0},
        {.name = "group.min.session.timeout.ms", .type = t::int32, .default_value = "6000"},
        {.name = "group.max.session.timeout.ms", .type = t::int32, .default_value = "1800000"},
        // KIP-848 consumer groups.
        {.name = "group.consumer.session.timeout.ms", .type = t::int32, .default_value = "45000", .min = 1},
        {.name = "group.consumer.min.session.timeout.ms", .type = t::int32, .default_value = "45000", .min = 1},
        {.name = "group.consumer.max.session.timeout.ms", .type = t::int32, .default_value = "60000", .min = 1},
        {.name = "group.consumer.heartbeat.interval.ms", .type = t::int32, .default_value = "5000", .min = 1},
        {.name = "group.consumer.min.heartbeat.interval.ms", .type = t::int32, .default_value = "5000", .min = 1},
        {.name = "group.consumer.max.heartbeat.interval.ms", .type = t::int32, .default_value = "15000", .min = 1},
        {.name = "group.consumer.max.size", .type = t::int32, .default_value = int_max, .min = 1},
        {.name = "group.consumer.assignors", .type = t::list, .default_value = "uniform,range"},
        {.name = "group.consumer.migration.policy",
         .type = t::string,
         .default_value = "bidirectional",
         .accepts = is_migration_policy,
         .refusal = "Expected one of disabled, upgrade, downgrade, bidirectional"},
        {.name = "cluster.id", .type = t::string, .default_value = std::nullopt},
        // Cluster mode: the metadata store in etcd (unset = the local file).
        {.name = "metadata.etcd.endpoints",
         .type = t::string,
         .default_value = std::nullopt,
         .accepts = is_etcd_endpoint_list,
         .refusal = "Expected a comma-separated list of http://host:port"},
        {.name = "metadata.etcd.prefix",
         .type = t::string,
         .default_value = "/sluice",
         .accepts = is_etcd_prefix,
         .refusal = "Expected a key prefix starting with '/' and not only '/'"},
        {.name = "metadata.etcd.session.timeout.ms", .type = t::int32, .default_value = "6000", .min = 1000},
        // Kafka's bound on a broker's first registration: here, reaching etcd at startup.
        {.name = "initial.broker.registration.timeout.ms", .type = t::int32, .default_value = "60000", .min = 1},
        {.name = "min.insync.replicas", .type = t::int32, .default_value = "1", .min = 1},
        {.name = "produce.batch.validation",
         .type = t::string,
         .default_value = "strict",
         .allowed = {"strict", "relaxed"}},
        // Sluice's own: the default of the topic config of the same name (log/key_index.h).
        {.name = "sluice.key.index.enable", .type = t::boolean, .default_value = "false"},
        {.name = "compression.type",
         .type = t::string,
         .default_value = "producer",
         .allowed = {"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"}},
        {.name = "unclean.leader.election.enable", .type = t::boolean, .default_value = "false"},
        {.name = "fetch.max.bytes", .type = t::int32, .default_value = "57671680", .min = 1024},
        {.name = "replica.fetch.max.bytes", .type = t::int32, .default_value = "1048576", .min = 0},
        {.name = "replica.lag.time.max.ms", .type = t::int64, .default_value = "30000", .min = 1},
        // The follower fetchers (broker/replica/fetcher_options.h). Kafka has no
        // range on most; num.replica.fetchers below 1 would mean no fetcher.
        {.name = "replica.fetch.wait.max.ms", .type = t::int32, .default_value = "500"},
        {.name = "replica.fetch.min.bytes", .type = t::int32, .default_value = "1"},
        {.name = "replica.fetch.response.max.bytes", .type = t::int32, .default_value = "10485760", .min = 0},
        {.name = "replica.fetch.backoff.ms", .type = t::int32, .default_value = "1000", .min = 0},
        {.name = "replica.socket.timeout.ms", .type = t::int32, .default_value = "30000"},
        {.name = "num.replica.fetchers", .type = t::int32, .default_value = "1", .min = 1},
        // Kafka's replication throttle: rates are DynamicConfig.Broker's
        // (bytes per second), the window ReplicationQuotaManager's.
        {.name = "leader.replication.throttled.rate", .type = t::int64, .default_value = long_max, .min = 0},
        {.name = "follower.replication.throttled.rate", .type = t::int64, .default_value = long_max, .min = 0},
        {.name = "replication.quota.window.num", .type = t::int32, .default_value = "11", .min = 1},
        {.name = "replication.quota.window.size.seconds", .type = t::int32, .default_value = "1", .min = 1},
        // Connections (broker/net/connection_limits.h).
        {.name = "connections.max.idle.ms", .type = t::int64, .default_value = "600000"},
        {.name = "max.connections", .type = t::int32, .default_value = int_max, .min = 0},
        {.name = "max.connections.per.ip", .type = t::int32, .default_value = int_max, .min = 0},
        {.name = "max.connections.per.ip.overrides", .type = t::string, .default_value = ""},
        {.name = "sluice.request.read.timeout.ms", .type = t::int64, .default_value = "30000", .min = 1},
        // Sluice's own: a Produce request's appends written together (log/write_ring.h);
        // off by default: fewer syscalls, but more broker CPU here (bench/RESULTS.md, issue 15).
        {.name = "sluice.produce.io_uring.enable", .type = t::boolean, .default_value = "false"},
        // The controller: preferred leaders back (replication/leader_rebalance.h)
        // and controlled shutdown (replication/controlled_shutdown.h).
        {.name = "auto.leader.rebalance.enable", .type = t::boolean, .default_value = "true"},
        {.name = "leader.imbalance.check.interval.seconds", .type = t::int64, .default_value = "300", .min = 1},
        {.name = "leader.imbalance.per.broker.percentage", .type = t::int32, .default_value = "10"},
        {.name = "controlled.shutdown.enable", .type = t::boolean, .default_value = "true"},
        {.name = "controlled.shutdown.max.retries", .type = t::int32, .default_value = "3"},
        {.name = "controlled.shutdown.retry.backoff.ms", .type = t::int64, .default_value = "5000"},
        // TLS on SSL and SASL_SSL listeners (broker/config/ssl_config.h), each
        // also settable as listener.name.<listener>.ssl.*. PEM stores only.
        {.name = "ssl.keystore.type", .type = t::string, .default_value = "JKS"},
        {.name = "ssl.keystore.location", .type = t::string, .default_value = std::nullopt},
        {.name = "ssl.keystore.certificate.chain", .type = t::password, .default_value = std::nullopt},
        {.name = "ssl.keystore.key", .type = t::password, .default_value = std::nullopt},
        {.name = "ssl.keystore.password", .type = t::password, .default_value = std::nullopt},
        {.name = "ssl.key.password", .type = t::password, .default_value = std::nullopt},
        {.name = "ssl.truststore.type", .type = t::string, .default_value = "JKS"},
        {.name = "ssl.truststore.location", .type = t::string, .default_value = std::nullopt},
        {.name = "ssl.truststore.certificates", .type = t::password, .default_value = std::nullopt},
        {.name = "ssl.truststore.password", .type = t::password, .default_value = std::nullopt},
        {.name = "ssl.client.auth",
         .type = t::string,
         .default_value = "none",
         .allowed = {"required", "requested", "none"}},
        {.name = "ssl.enabled.protocols", .type = t::list, .default_value = "TLSv1.2,TLSv1.3"},
        {.name = "ssl.cipher.suites", .type = t::list, .default_value = std::nullopt},
        {.name = "ssl.principal.mapping.rules", .type = t::string, .default_value = "DEFAULT"},
        // Sluice's own: a TLS client that has not finished its handshake by
        // then is disconnected.
        {.name = "sluice.ssl.handshake.timeout.ms", .type = t::int32, .default_value = "10000", .min = 1},
        // Metrics and health over HTTP (broker/http/): "http://host:port"
        // list, "" = off. sluice.http.listener ("host:port") is the older
        // spelling, used when http.listeners is not given.
        {.name = "http.listeners", .type = t::string, .default_value = "http://localhost:9644"},
        {.name = "sluice.http.listener", .type = t::string, .default_value = ""},
        // The built-in schema registry (broker/schema_registry/), Confluent's
        // REST API and default port: "http://host:port" list, "" = off.
        {.name = "schema.registry.listeners", .type = t::string, .default_value = "http://localhost:8081"},
        // Confluent's authentication.method: BASIC checks HTTP Basic
        // credentials against the broker's SCRAM users.
        {.name = "schema.registry.authentication.method",
         .type = t::string,
         .default_value = "NONE",
         .allowed = {"NONE", "BASIC"}},
        // Sluice's own: an HTTP client that has not sent a whole request by then is closed.
        {.name = "sluice.http.request.timeout.ms", .type = t::int32, .default_value = "10000", .min = 1},
        // Sluice's own: concurrent key streams (GET ...?follow=true), 503 past
        // it; below the listener's 64 connections so other requests still fit.
        {.name = "sluice.http.key.follow.max", .type = t::int32, .default_value = "32", .min = 0, .max = 60},
        // Sluice's own: bytes of batches a POST /v1/query reads when it names
        // no max_bytes_scanned, and the most it may name (403 past it).
        {.name = "sluice.http.query.max.bytes.scanned", .type = t::int64, .default_value = "67108864", .min = 1},
        {.name = "sluice.http.query.max.bytes.scanned.limit",
         .type = t::int64,
         .default_value = "1073741824",
         .min = 1},
        // The web console and its JSON API (/console/, /api/v1/) on the same
        // listener; unauthenticated, so read.only refuses every change.
        {.name = "http.console.enable", .type = t::boolean, .default_value = "true"},
        {.name = "http.console.read.only", .type = t::boolean, .default_value = "false"},
        // Sluice's own: false stops recording counters and request times (benchmarks).
        {.name = "sluice.metrics.enabled", .type = t::boolean, .default_value = "true"},
        // Authorization: empty = none; Kafka's two authorizer classes switch
        // on Sluice's (broker/security/).
        {.name = "authorizer.class.name", .type = t::string, .default_value = ""},
        {.name = "super.users", .type = t::string, .default_value = std::nullopt},
        {.name = "allow.everyone.if.no.acl.found", .type = t::boolean, .default_value = "false"},
        // SASL (broker/config/sasl_config.h); listener.name.<l>.* forms too.
        {.name = "sasl.enabled.mechanisms", .type = t::list, .default_value = "GSSAPI"},
        {.name = "sasl.mechanism.inter.broker.protocol", .type = t::string, .default_value = "GSSAPI"},
        {.name = "sasl.jaas.config", .type = t::password, .default_value = std::nullopt},
        {.name = "connections.max.reauth.ms", .type = t::int64, .default_value = "0"},
        {.name = "connection.failed.authentication.delay.ms", .type = t::int32, .default_value = "100", .min = 0},
        {.name = "sasl.server.max.receive.size", .type = t::int32, .default_value = "524288"},
    };
}

// Accepted and described, not (yet) acted on: a Kafka server.properties
// carrying them starts without warnings.
std::vector<config_def> accepted_defs() {
    return {
        {.name = "log.cleaner.io.buffer.load.factor", .type = t::float64, .default_value = "0.9"},
        {.name = "log.cleaner.io.max.bytes.per.second", .type = t::float64,
         .default_value = "1.7976931348623157E308"},
        {.name = "num.recovery.threads.per.data.dir", .type = t::int32, .default_value = "1", .min = 1},
        {.name = "replica.socket.receive.buffer.bytes", .type = t::int32, .default_value = "65536"},
        {.name = "replica.high.watermark.checkpoint.interval.ms", .type = t::int64, .default_value = "5000"},
        {.name = "replica.selector.class", .type = t::class_name, .default_value = std::nullopt},
        {.name = "socket.send.buffer.bytes", .type = t::int32, .default_value = "102400"},
        {.name = "socket.receive.buffer.bytes", .type = t::int32, .default_value = "102400"},
        {.name = "socket.listen.backlog.size", .type = t::int32, .default_value = "50", .min = 1},
        {.name = "queued.max.requests", .type = t::int32, .default_value = "500", .min = 1},
        {.name = "background.threads", .type = t::int32, .default_value = "10", .min = 1},
        {.name = "group.max.size", .type = t::int32, .default_value = int_max, .min = 1},
        {.name = "offsets.topic.segment.bytes", .type = t::int32, .default_value = "104857600", .min = 1},
        {.name = "offsets.topic.compression.codec", .type = t::int32, .default_value = "0"},
        {.name = "offsets.load.buffer.size", .type = t::int32, .default_value = "5242880", .min = 1},
        {.name = "offsets.commit.timeout.ms", .type = t::int32, .default_value = "5000", .min = 1},
        {.name = "offsets.commit.required.acks", .type = t::int16, .default_value = "-1"},
        {.name = "offsets.retention.check.interval.ms", .type = t::int64, .default_value = "600000", .min = 1},
        {.name = "offset.metadata.max.bytes", .type = t::int32, .default_value = "4096"},
        {.name = "transaction.state.log.num.partitions", .type = t::int32, .default_value = "50", .min = 1},
        {.name = "transaction.state.log.replication.factor", .type = t::int16, .default_value = "3", .min = 1},
        {.name = "transaction.state.log.min.isr", .type = t::int32, .default_value = "2", .min = 1},
        {.name = "transaction.state.log.segment.bytes", .type = t::int32, .default_value = "104857600",
         .min = 1},
        {.name = "transaction.max.timeout.ms", .type = t::int32, .default_value = "900000", .min = 1},
        {.name = "transaction.partition.verification.enable", .type = t::boolean, .default_value = "true"},
        {.name = "transactional.id.expiration.ms", .type = t::int32, .default_value = "604800000", .min = 1},
        {.name = "transaction.abort.timed.out.transaction.cleanup.interval.ms", .type = t::int32,
         .default_value = "10000", .min = 1},
        {.name = "transaction.remove.expired.transaction.cleanup.interval.ms", .type = t::int32,
         .default_value = "3600000", .min = 1},
        {.name = "producer.id.expiration.ms", .type = t::int32, .default_value = "86400000", .min = 1},
        {.name = "producer.id.expiration.check.interval.ms", .type = t::int32, .default_value = "600000",
         .min = 1},
        {.name = "log.flush.offset.checkpoint.interval.ms", .type = t::int32, .default_value = "60000",
         .min = 0},
        {.name = "log.flush.start.offset.checkpoint.interval.ms", .type = t::int32, .default_value = "60000",
         .min = 0},
        {.name = "log.message.format.version", .type = t::string, .default_value = "3.0-IV1"},
        {.name = "inter.broker.protocol.version", .type = t::string, .default_value = std::nullopt},
        {.name = "inter.broker.listener.name", .type = t::string, .default_value = std::nullopt},
        {.name = "security.inter.broker.protocol", .type = t::string, .default_value = "PLAINTEXT"},
        {.name = "broker.rack", .type = t::string, .default_value = std::nullopt},
        {.name = "process.roles", .type = t::list, .default_value = ""},
        {.name = "controller.quorum.voters", .type = t::list, .default_value = ""},
        {.name = "controller.listener.names", .type = t::string, .default_value = std::nullopt},
        {.name = "metadata.log.dir", .type = t::string, .default_value = std::nullopt},
        {.name = "zookeeper.connect", .type = t::string, .default_value = std::nullopt},
        {.name = "zookeeper.connection.timeout.ms", .type = t::int32, .default_value = std::nullopt},
        {.name = "zookeeper.session.timeout.ms", .type = t::int32, .default_value = "18000"},
        {.name = "metric.reporters", .type = t::list, .default_value = ""},
        {.name = "metrics.num.samples", .type = t::int32, .default_value = "2", .min = 1},
        {.name = "metrics.sample.window.ms", .type = t::int64, .default_value = "30000", .min = 1},
        {.name = "metrics.recording.level", .type = t::string, .default_value = "INFO"},
        {.name = "quota.window.num", .type = t::int32, .default_value = "11", .min = 1},
        {.name = "quota.window.size.seconds", .type = t::int32, .default_value = "1", .min = 1},
        {.name = "ssl.endpoint.identification.algorithm", .type = t::string, .default_value = "https"},
        {.name = "ssl.protocol", .type = t::string, .default_value = "TLSv1.3"},
        {.name = "ssl.keymanager.algorithm", .type = t::string, .default_value = "SunX509"},
        {.name = "ssl.trustmanager.algorithm", .type = t::string, .default_value = "PKIX"},
        // Kafka lets these change at runtime (dynamic_broker_config.h); Sluice
        // has no Kerberos or OAuth login, so they are stored and described only.
        {.name = "sasl.kerberos.service.name", .type = t::string, .default_value = std::nullopt},
        {.name = "sasl.kerberos.kinit.cmd", .type = t::string, .default_value = "/usr/bin/kinit"},
        {.name = "sasl.kerberos.ticket.renew.window.factor", .type = t::float64, .default_value = "0.8"},
        {.name = "sasl.kerberos.ticket.renew.jitter", .type = t::float64, .default_value = "0.05"},
        {.name = "sasl.kerberos.min.time.before.relogin", .type = t::int64, .default_value = "60000"},
        {.name = "sasl.kerberos.principal.to.local.rules", .type = t::list, .default_value = "DEFAULT"},
        {.name = "sasl.login.refresh.window.factor", .type = t::float64, .default_value = "0.8", .min = 0.5,
         .max = 1.0},
        {.name = "sasl.login.refresh.window.jitter", .type = t::float64, .default_value = "0.05", .min = 0,
         .max = 0.25},
        {.name = "sasl.login.refresh.min.period.seconds", .type = t::int16, .default_value = "60", .min = 0,
         .max = 900},
        {.name = "sasl.login.refresh.buffer.seconds", .type = t::int16, .default_value = "300", .min = 0,
         .max = 3600},
        {.name = "max.connection.creation.rate", .type = t::int32, .default_value = int_max, .min = 0},
        {.name = "leader.replication.throttled.rate", .type = t::int64, .default_value = long_max, .min = 0},
        {.name = "follower.replication.throttled.rate", .type = t::int64, .default_value = long_max, .min = 0},
        {.name = "replica.alter.log.dirs.io.max.bytes.per.second", .type = t::int64, .default_value = long_max,
         .min = 0},
        // Which group protocols the coordinator serves. Kafka 3.9 defaults to
        // "classic" and serves GROUP config resources only with "consumer";
        // Kafka 4.0 defaults to "classic,consumer". Sluice keys GROUP configs
        // on it the same way (dynamic_broker_config.h).
        {.name = "group.coordinator.rebalance.protocols", .type = t::list, .default_value = "classic,consumer",
         .allowed = {"classic", "consumer", "share", "streams"}},
    };
}

struct tables {
    std::vector<config_def> all;
    size_t used_count = 0;
};

const tables& the_tables() {
    static const tables t = [] {
        tables out;
        out.all = used_defs();
        out.used_count = out.all.size();
        auto accepted = accepted_defs();
        out.all.insert(out.all.end(), accepted.begin(), accepted.end());
        return out;
    }();
    return t;
}

const std::array<synonym_group, 6>& groups() {
    static const std::array<synonym_group, 6> g = {
        synonym_group{{"node.id", 0}, {"broker.id", 0}},
        synonym_group{{"log.dirs", 0}, {"log.dir", 0}},
        synonym_group{{"log.retention.ms", 1}, {"log.retention.minutes", 60'000}, {"log.retention.hours", 3'600'000}},
        synonym_group{{"log.roll.ms", 1}, {"log.roll.hours", 3'600'000}},
        synonym_group{{"log.roll.jitter.ms", 1}, {"log.roll.jitter.hours", 3'600'000}},
        synonym_group{{"log.flush.interval.ms", 1}, {"log.flush.scheduler.interval.ms", 1}},
    };
    return g;
}

}  // namespace

std::span<const config_def> broker_property_defs() { return the_tables().all; }

const config_def* find_broker_property(std::string_view name) {
    for (const auto& d : the_tables().all) {
        if (d.name == name) return &d;
    }
    return nullptr;
}

bool broker_property_used(std::string_view name) {
    const auto& t = the_tables();
    auto end = t.all.begin() + static_cast<std::ptrdiff_t>(t.used_count);
    return std::any_of(t.all.begin(), end, [&](const config_def& d) { return d.name == name; });
}

const synonym_group* find_synonym_group(std::string_view name) {
    for (const auto& g : groups()) {
        for (const auto& m : g) {
            if (m.name == name) return &g;
        }
    }
    return nullptr;
}

}  // namespace sluice::broker

// Broker properties: defaults, aliases, precedence, overrides, describe, and
// one case per malformed shape (each must name the property and the value).
#include "broker/config/broker_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "broker/config/broker_properties.h"
#include "broker/config/config_error.h"

namespace sluice::broker {
namespace {

broker_config parse(std::string_view text) { return broker_config::from_properties(parse_properties(text)); }

const config_entry& entry(const std::vector<config_entry>& entries, std::string_view name) {
    for (const auto& e : entries) {
        if (e.name == name) return e;
    }
    ADD_FAILURE() << "no entry " << name;
    static config_entry none;
    return none;
}

// Expects config_error whose message names both the property and the value.
void expect_rejected(std::string_view text, std::string_view property, std::string_view value) {
    try {
        parse(text);
        ADD_FAILURE() << "accepted: " << text;
    } catch (const config_error& e) {
        std::string what = e.what();
        EXPECT_NE(what.find(property), std::string::npos) << what;
        EXPECT_NE(what.find(value), std::string::npos) << what;
    }
}

TEST(BrokerConfigTest, DefaultsMatchDefaultConstructedStruct) {
    // But the HTTP and schema registry listeners: a config built in code
    // has none, so brokers started side by side (tests) do not compete for
    // their ports.
    broker_config expected;
    expected.http_listeners = {listener{"HTTP", "localhost", 9644, "PLAINTEXT"}};
    expected.schema_registry_listeners = {listener{"HTTP", "localhost", 8081, "PLAINTEXT"}};
    EXPECT_EQ(parse(""), expected);
}

TEST(BrokerConfigTest, Defaults) {
    auto c = parse("");
    EXPECT_EQ(c.node_id, 0);
    ASSERT_EQ(c.listeners.size(), 1u);
    EXPECT_EQ(c.listeners[0].to_string(), "PLAINTEXT://localhost:9092");
    EXPECT_EQ(c.log_dirs, std::vector<std::string>{"./sluice-data"});
    EXPECT_EQ(c.num_partitions, 1);
    EXPECT_TRUE(c.auto_create_topics_enable);
    EXPECT_EQ(c.log_segment_bytes, 1073741824);
    EXPECT_EQ(c.log_retention_ms, 168LL * 3600 * 1000);
    EXPECT_EQ(c.log_roll_ms, 168LL * 3600 * 1000);
    EXPECT_EQ(c.log_retention_bytes, -1);
    EXPECT_EQ(c.log_flush_interval_messages, int64_max);
    EXPECT_EQ(c.log_flush_interval_ms, int64_max);
    EXPECT_EQ(c.message_max_bytes, 1048588);
    EXPECT_EQ(c.log_cleanup_policy, std::vector<std::string>{"delete"});
    EXPECT_EQ(c.fetch_max_bytes, 57671680);
    EXPECT_FALSE(c.cluster_id);
    ASSERT_EQ(c.http_listeners.size(), 1u);
    EXPECT_EQ(c.http_listeners[0].host, "localhost");
    EXPECT_EQ(c.http_listeners[0].port, 9644);
    EXPECT_TRUE(c.metrics_enabled);
    EXPECT_TRUE(c.unknown_keys().empty());
}

TEST(BrokerConfigTest, RetentionPrecedenceMsOverMinutesOverHours) {
    EXPECT_EQ(parse("log.retention.hours=1").log_retention_ms, 3'600'000);
    EXPECT_EQ(parse("log.retention.hours=1\nlog.retention.minutes=2").log_retention_ms, 120'000);
    EXPECT_EQ(parse("log.retention.hours=1\nlog.retention.minutes=2\nlog.retention.ms=5").log_retention_ms, 5);
    EXPECT_EQ(parse("log.retention.ms=5\nlog.retention.hours=1").log_retention_ms, 5);
}

TEST(BrokerConfigTest, NegativeRetentionIsUnlimited) {
    EXPECT_EQ(parse("log.retention.ms=-1").log_retention_ms, -1);
    EXPECT_EQ(parse("log.retention.minutes=-1").log_retention_ms, -1);
    EXPECT_EQ(parse("log.retention.hours=-5").log_retention_ms, -1);
}

TEST(BrokerConfigTest, RollAndFlushSynonyms) {
    EXPECT_EQ(parse("log.roll.hours=2").log_roll_ms, 7'200'000);
    EXPECT_EQ(parse("log.roll.hours=2\nlog.roll.ms=10").log_roll_ms, 10);
    EXPECT_EQ(parse("log.roll.jitter.hours=1").log_roll_jitter_ms, 3'600'000);
    EXPECT_EQ(parse("log.flush.scheduler.interval.ms=700").log_flush_interval_ms, 700);
    EXPECT_EQ(parse("log.flush.scheduler.interval.ms=700\nlog.flush.interval.ms=9").log_flush_interval_ms, 9);
}

TEST(BrokerConfigTest, Aliases) {
    EXPECT_EQ(parse("broker.id=7").node_id, 7);
    EXPECT_EQ(parse("node.id=7").node_id, 7);
    EXPECT_EQ(parse("node.id=7\nbroker.id=7").node_id, 7);
    EXPECT_THROW(parse("node.id=7\nbroker.id=8"), config_error);
    EXPECT_EQ(parse("log.dir=/a").log_dirs, std::vector<std::string>{"/a"});
    EXPECT_EQ(parse("log.dir=/a\nlog.dirs=/b, /c").log_dirs, (std::vector<std::string>{"/b", "/c"}));
}

TEST(BrokerConfigTest, OverridesWinOverFile) {
    auto path = std::filesystem::temp_directory_path() / ("sluice-server-" + std::to_string(::getpid()));
    std::ofstream(path) << "num.partitions=3\nlog.segment.bytes=oops\nnode.id=1\n";
    // The bad file value is replaced before validation, so this starts.
    auto c = broker_config::load(path, {"num.partitions=5", "log.segment.bytes = 1000", "node.id=2", "node.id=4"});
    EXPECT_EQ(c.num_partitions, 5);
    EXPECT_EQ(c.log_segment_bytes, 1000);
    EXPECT_EQ(c.node_id, 4);
    std::filesystem::remove(path);
}

TEST(BrokerConfigTest, LaterFileEntryWins) {
    EXPECT_EQ(parse("num.partitions=2\nnum.partitions=3").num_partitions, 3);
}

TEST(BrokerConfigTest, LoadWithoutFile) {
    EXPECT_EQ(broker_config::load(std::nullopt, {}).num_partitions, 1);
}

TEST(BrokerConfigTest, MalformedOverrideThrows) {
    EXPECT_THROW(broker_config::load(std::nullopt, {"num.partitions"}), config_error);
    EXPECT_THROW(broker_config::load(std::nullopt, {"=3"}), config_error);
}

TEST(BrokerConfigTest, UnknownKeyIsReportedNotFatal) {
    auto c = parse("no.such.property=1\nnum.partitions=2\nno.such.property=2\nalso.unknown=x");
    EXPECT_EQ(c.num_partitions, 2);
    EXPECT_EQ(c.unknown_keys(), (std::vector<std::string>{"no.such.property", "also.unknown"}));
}

TEST(BrokerConfigTest, KnownButUnusedKeysAreAcceptedSilently) {
    auto c = parse("socket.receive.buffer.bytes=4\nsocket.send.buffer.bytes=1\nzookeeper.connect=zk:2181\n"
                   "log.cleaner.threads=2\ntransaction.state.log.replication.factor=1\n"
                   "group.initial.rebalance.delay.ms=0\nssl.keystore.password=secret");
    EXPECT_TRUE(c.unknown_keys().empty());
    EXPECT_FALSE(broker_property_used("socket.receive.buffer.bytes"));
    EXPECT_TRUE(broker_property_used("log.segment.bytes"));
}

TEST(BrokerConfigTest, NumbersAcceptSignAndSurroundingSpace) {
    EXPECT_EQ(parse("num.partitions=+4").num_partitions, 4);
    EXPECT_EQ(broker_config::load(std::nullopt, {"num.partitions=  6  "}).num_partitions, 6);
}

TEST(BrokerConfigTest, BooleansAreCaseInsensitive) {
    EXPECT_FALSE(parse("auto.create.topics.enable=FALSE").auto_create_topics_enable);
    EXPECT_TRUE(parse("delete.topic.enable=True").delete_topic_enable);
}

TEST(BrokerConfigTest, MalformedNotANumber) { expect_rejected("num.partitions=three", "num.partitions", "three"); }
TEST(BrokerConfigTest, MalformedFloatForInt) { expect_rejected("num.io.threads=1.5", "num.io.threads", "1.5"); }
TEST(BrokerConfigTest, MalformedIntOverflow) {
    expect_rejected("message.max.bytes=2147483648", "message.max.bytes", "2147483648");
}
TEST(BrokerConfigTest, MalformedLongOverflow) {
    expect_rejected("log.retention.bytes=9223372036854775808", "log.retention.bytes", "9223372036854775808");
}
TEST(BrokerConfigTest, MalformedBelowMinimum) {
    expect_rejected("log.segment.bytes=13", "log.segment.bytes", "13");
    expect_rejected("num.partitions=0", "num.partitions", "0");
}
TEST(BrokerConfigTest, MalformedShortOutOfRange) {
    expect_rejected("offsets.topic.replication.factor=40000", "offsets.topic.replication.factor", "40000");
}
TEST(BrokerConfigTest, MalformedDoubleOutOfRange) {
    expect_rejected("log.cleaner.min.cleanable.ratio=1.5", "log.cleaner.min.cleanable.ratio", "1.5");
}
TEST(BrokerConfigTest, MalformedBool) {
    expect_rejected("auto.create.topics.enable=yes", "auto.create.topics.enable", "yes");
}
TEST(BrokerConfigTest, MalformedEnum) {
    expect_rejected("log.message.timestamp.type=Now", "log.message.timestamp.type", "Now");
    expect_rejected("compression.type=brotli", "compression.type", "brotli");
    expect_rejected("log.cleanup.policy=delete,archive", "log.cleanup.policy", "archive");
}
TEST(BrokerConfigTest, MalformedEmptyNumber) { expect_rejected("num.partitions=", "num.partitions", "num.partitions"); }

TEST(BrokerConfigTest, Listeners) {
    auto c = parse("listeners=PLAINTEXT://:9092,ssl://[::1]:9093,INTERNAL://0.0.0.0:9094\n"
                   "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SSL:SSL,INTERNAL:PLAINTEXT");
    ASSERT_EQ(c.listeners.size(), 3u);
    EXPECT_EQ(c.listeners[0].name, "PLAINTEXT");
    EXPECT_EQ(c.listeners[0].host, "");
    EXPECT_EQ(c.listeners[0].port, 9092);
    EXPECT_EQ(c.listeners[1].name, "SSL");
    EXPECT_EQ(c.listeners[1].host, "::1");
    EXPECT_EQ(c.listeners[1].security_protocol, "SSL");
    EXPECT_EQ(c.listeners[1].to_string(), "SSL://[::1]:9093");
    EXPECT_EQ(c.listeners[2].security_protocol, "PLAINTEXT");
    // Unset advertised.listeners: wildcard hosts become this machine's name.
    ASSERT_EQ(c.advertised_listeners.size(), 3u);
    EXPECT_EQ(c.advertised_listeners[0].host, local_hostname());
    EXPECT_EQ(c.advertised_listeners[1].host, "::1");
    EXPECT_EQ(c.advertised_listeners[2].host, local_hostname());
}

TEST(BrokerConfigTest, AdvertisedListenersExplicit) {
    auto c = parse("listeners=PLAINTEXT://:9092\nadvertised.listeners=PLAINTEXT://broker1.example:19092");
    ASSERT_EQ(c.advertised_listeners.size(), 1u);
    EXPECT_EQ(c.advertised_listeners[0].host, "broker1.example");
    EXPECT_EQ(c.advertised_listeners[0].port, 19092);
    expect_rejected("advertised.listeners=PLAINTEXT://0.0.0.0:9092", "advertised.listeners", "0.0.0.0");
    expect_rejected("advertised.listeners=OTHER://h:1\nlistener.security.protocol.map=PLAINTEXT:PLAINTEXT,OTHER:SSL",
                    "advertised.listeners", "OTHER");
}

TEST(BrokerConfigTest, MalformedListeners) {
    expect_rejected("listeners=localhost:9092", "listeners", "localhost:9092");
    expect_rejected("listeners=PLAINTEXT://localhost", "listeners", "PLAINTEXT://localhost");
    expect_rejected("listeners=PLAINTEXT://localhost:99999", "listeners", "99999");
    expect_rejected("listeners=PLAINTEXT://localhost:abc", "listeners", "abc");
    expect_rejected("listeners=PLAINTEXT://::1:9092", "listeners", "::1");
    expect_rejected("listeners=PLAINTEXT://[::1:9092", "listeners", "[::1");
    expect_rejected("listeners=PLAINTEXT://a:1,PLAINTEXT://b:2", "listeners", "PLAINTEXT://b:2");
    expect_rejected("listeners=FOO://a:1", "listeners", "FOO");
    expect_rejected("listeners=", "listeners", "listeners");
}

TEST(BrokerConfigTest, HttpListener) {
    auto c = parse("sluice.http.listener=localhost:8080");
    ASSERT_EQ(c.http_listeners.size(), 1u);
    EXPECT_EQ(c.http_listeners[0].host, "localhost");
    EXPECT_EQ(c.http_listeners[0].port, 8080);
    expect_rejected("sluice.http.listener=nope", "sluice.http.listener", "nope");
}

TEST(BrokerConfigTest, HttpListeners) {
    auto c = parse("http.listeners=http://127.0.0.1:9000,http://0.0.0.0:9001");
    ASSERT_EQ(c.http_listeners.size(), 2u);
    EXPECT_EQ(c.http_listeners[1].port, 9001);
    EXPECT_TRUE(parse("http.listeners=").http_listeners.empty());
    // Given both, the newer property wins.
    EXPECT_EQ(parse("http.listeners=http://a:1\nsluice.http.listener=b:2").http_listeners.at(0).host, "a");
    expect_rejected("http.listeners=ftp://a:1", "http.listeners", "FTP");
    EXPECT_FALSE(parse("sluice.metrics.enabled=false").metrics_enabled);
}

TEST(BrokerConfigTest, SchemaRegistryListeners) {
    EXPECT_TRUE(broker_config{}.schema_registry_listeners.empty());
    auto c = parse("schema.registry.listeners=http://127.0.0.1:18081,http://0.0.0.0:18082");
    ASSERT_EQ(c.schema_registry_listeners.size(), 2u);
    EXPECT_EQ(c.schema_registry_listeners[0].host, "127.0.0.1");
    EXPECT_EQ(c.schema_registry_listeners[1].port, 18082);
    EXPECT_TRUE(parse("schema.registry.listeners=").schema_registry_listeners.empty());
    expect_rejected("schema.registry.listeners=https://a:1", "schema.registry.listeners", "HTTPS");
}

TEST(BrokerConfigTest, ClusterId) {
    EXPECT_EQ(parse("cluster.id=MkU3OEVBNTcwNTJENDM2Qk").cluster_id, "MkU3OEVBNTcwNTJENDM2Qk");
}

TEST(BrokerConfigTest, EtcdMetadataStoreIsOffUnlessEndpointsAreSet) {
    auto local = parse("");
    EXPECT_FALSE(local.metadata_etcd_endpoints.has_value());
    EXPECT_EQ(local.metadata_etcd_prefix, "/sluice");
    EXPECT_EQ(local.metadata_etcd_session_timeout_ms, 6000);
    auto cluster = parse(
        "metadata.etcd.endpoints=http://127.0.0.1:2379, http://10.0.0.2:2379\n"
        "metadata.etcd.prefix=/prod/sluice\nmetadata.etcd.session.timeout.ms=9000");
    EXPECT_EQ(cluster.metadata_etcd_endpoints, "http://127.0.0.1:2379, http://10.0.0.2:2379");
    EXPECT_EQ(cluster.metadata_etcd_prefix, "/prod/sluice");
    EXPECT_EQ(cluster.metadata_etcd_session_timeout_ms, 9000);
}

TEST(BrokerConfigTest, MalformedEtcdSettings) {
    expect_rejected("metadata.etcd.endpoints=127.0.0.1:2379", "metadata.etcd.endpoints", "127.0.0.1:2379");
    expect_rejected("metadata.etcd.endpoints=http://host", "metadata.etcd.endpoints", "http://host");
    expect_rejected("metadata.etcd.endpoints=", "metadata.etcd.endpoints", "");
    expect_rejected("metadata.etcd.prefix=sluice", "metadata.etcd.prefix", "sluice");
    expect_rejected("metadata.etcd.prefix=/", "metadata.etcd.prefix", "/");
    expect_rejected("metadata.etcd.session.timeout.ms=999", "metadata.etcd.session.timeout.ms", "999");
    expect_rejected("metadata.etcd.session.timeout.ms=soon", "metadata.etcd.session.timeout.ms", "soon");
}

TEST(BrokerConfigTest, ReplicaFetcherSettings) {
    auto d = parse("");
    EXPECT_EQ(d.replica_fetch_wait_max_ms, 500);
    EXPECT_EQ(d.replica_fetch_min_bytes, 1);
    EXPECT_EQ(d.replica_fetch_max_bytes, 1048576);
    EXPECT_EQ(d.replica_fetch_response_max_bytes, 10485760);
    EXPECT_EQ(d.replica_fetch_backoff_ms, 1000);
    EXPECT_EQ(d.replica_socket_timeout_ms, 30000);
    EXPECT_EQ(d.num_replica_fetchers, 1);
    for (std::string_view name : {"replica.fetch.wait.max.ms", "replica.fetch.min.bytes", "replica.fetch.max.bytes",
                                  "replica.fetch.response.max.bytes", "replica.fetch.backoff.ms",
                                  "replica.socket.timeout.ms", "num.replica.fetchers"}) {
        EXPECT_TRUE(broker_property_used(name)) << name;
    }
    auto c = parse("replica.fetch.wait.max.ms=100\nreplica.fetch.min.bytes=10\nreplica.fetch.response.max.bytes=5\n"
                   "replica.fetch.backoff.ms=0\nreplica.socket.timeout.ms=100\nnum.replica.fetchers=4");
    EXPECT_EQ(c.replica_fetch_wait_max_ms, 100);
    EXPECT_EQ(c.replica_fetch_min_bytes, 10);
    EXPECT_EQ(c.replica_fetch_response_max_bytes, 5);
    EXPECT_EQ(c.replica_fetch_backoff_ms, 0);
    EXPECT_EQ(c.replica_socket_timeout_ms, 100);
    EXPECT_EQ(c.num_replica_fetchers, 4);
    EXPECT_EQ(entry(c.describe(), "num.replica.fetchers").value, "4");
}

TEST(BrokerConfigTest, MalformedReplicaFetcherSettings) {
    expect_rejected("replica.fetch.backoff.ms=-1", "replica.fetch.backoff.ms", "-1");
    expect_rejected("replica.fetch.response.max.bytes=-1", "replica.fetch.response.max.bytes", "-1");
    expect_rejected("num.replica.fetchers=0", "num.replica.fetchers", "0");
    // Kafka's cross-checks: a fetch may not wait longer than its socket
    // timeout, nor than the ISR lag limit.
    EXPECT_THROW(parse("replica.fetch.wait.max.ms=40000"), config_error);
    EXPECT_THROW(parse("replica.socket.timeout.ms=400"), config_error);
    EXPECT_THROW(parse("replica.lag.time.max.ms=400"), config_error);
    EXPECT_NO_THROW(parse("replica.lag.time.max.ms=400\nreplica.fetch.wait.max.ms=400"));
}

TEST(BrokerConfigTest, ControllerAndShutdownSettings) {
    auto d = parse("");
    EXPECT_TRUE(d.auto_leader_rebalance_enable);
    EXPECT_EQ(d.leader_imbalance_check_interval_seconds, 300);
    EXPECT_EQ(d.leader_imbalance_per_broker_percentage, 10);
    EXPECT_TRUE(d.controlled_shutdown_enable);
    EXPECT_EQ(d.controlled_shutdown_max_retries, 3);
    EXPECT_EQ(d.controlled_shutdown_retry_backoff_ms, 5000);
    auto c = parse("auto.leader.rebalance.enable=false\nleader.imbalance.check.interval.seconds=1\n"
                   "leader.imbalance.per.broker.percentage=0\ncontrolled.shutdown.enable=false\n"
                   "controlled.shutdown.max.retries=1\ncontrolled.shutdown.retry.backoff.ms=200");
    EXPECT_FALSE(c.auto_leader_rebalance_enable);
    EXPECT_EQ(c.leader_imbalance_check_interval_seconds, 1);
    EXPECT_EQ(c.leader_imbalance_per_broker_percentage, 0);
    EXPECT_FALSE(c.controlled_shutdown_enable);
    EXPECT_EQ(c.controlled_shutdown_max_retries, 1);
    EXPECT_EQ(c.controlled_shutdown_retry_backoff_ms, 200);
    expect_rejected("leader.imbalance.check.interval.seconds=0", "leader.imbalance.check.interval.seconds", "0");
    expect_rejected("controlled.shutdown.enable=maybe", "controlled.shutdown.enable", "maybe");
}

TEST(BrokerConfigTest, DescribeDefaults) {
    auto entries = parse("").describe();
    EXPECT_EQ(entries.size(), broker_property_defs().size());
    const auto& e = entry(entries, "num.partitions");
    EXPECT_EQ(e.value, "1");
    EXPECT_EQ(e.source, config_source::default_config);
    EXPECT_TRUE(e.read_only);
    EXPECT_FALSE(e.is_sensitive);
    EXPECT_EQ(e.type, static_cast<int8_t>(config_type::int32));
    EXPECT_TRUE(e.synonyms.empty());
    EXPECT_EQ(entry(entries, "log.retention.ms").value, "604800000");
    EXPECT_EQ(entry(entries, "log.retention.ms").type, 5);
    EXPECT_EQ(entry(entries, "auto.create.topics.enable").type, 1);
    EXPECT_EQ(entry(entries, "log.cleanup.policy").type, 7);
    EXPECT_EQ(entry(entries, "log.dirs").value, "./sluice-data");
    EXPECT_EQ(entry(entries, "advertised.listeners").value, std::nullopt);
}

TEST(BrokerConfigTest, DescribeStaticSourceAndSynonyms) {
    auto entries = parse("num.partitions=3\nlog.retention.hours=24").describe(true);
    const auto& p = entry(entries, "num.partitions");
    EXPECT_EQ(p.value, "3");
    EXPECT_EQ(p.source, config_source::static_broker_config);
    EXPECT_EQ(p.synonyms, (std::vector<config_synonym>{{"num.partitions", "3", config_source::static_broker_config},
                                                       {"num.partitions", "1", config_source::default_config}}));
    const auto& r = entry(entries, "log.retention.ms");
    EXPECT_EQ(r.value, "86400000");
    EXPECT_EQ(r.source, config_source::static_broker_config);
    EXPECT_EQ(r.synonyms,
              (std::vector<config_synonym>{{"log.retention.hours", "24", config_source::static_broker_config},
                                           {"log.retention.hours", "168", config_source::default_config}}));
    EXPECT_EQ(entry(entries, "log.retention.hours").value, "24");
    EXPECT_EQ(entry(entries, "log.retention.minutes").source, config_source::default_config);
}

TEST(BrokerConfigTest, DescribeHidesPasswords) {
    auto entries = parse("ssl.keystore.password=secret").describe(true);
    const auto& e = entry(entries, "ssl.keystore.password");
    EXPECT_TRUE(e.is_sensitive);
    EXPECT_EQ(e.value, std::nullopt);
    EXPECT_EQ(e.source, config_source::static_broker_config);
    ASSERT_EQ(e.synonyms.size(), 1u);
    EXPECT_EQ(e.synonyms[0].value, std::nullopt);
}

TEST(BrokerConfigTest, EveryDefaultIsValid) {
    for (const auto& def : broker_property_defs()) {
        if (def.default_value) {
            EXPECT_EQ(validate(def, *def.default_value), std::nullopt) << def.name;
        }
    }
}

}  // namespace
}  // namespace sluice::broker

// Dynamic broker configs and group configs: which names are dynamic and at
// which level, Kafka's refusals, the incremental operations, the layering
// into broker_config (values, sources, synonyms), and the record format.
#include "broker/config/dynamic_broker_config.h"

#include <gtest/gtest.h>

#include "broker/config/broker_properties.h"
#include "broker/config/config_error.h"
#include "broker/config/properties_file.h"

namespace sluice::broker {
namespace {

using protocol::error_code;

broker_config parse(std::string_view text) { return broker_config::from_properties(parse_properties(text)); }

const config_entry& entry(const std::vector<config_entry>& entries, std::string_view name) {
    for (const auto& e : entries) {
        if (e.name == name) return e;
    }
    ADD_FAILURE() << "no entry " << name;
    static config_entry none;
    return none;
}

TEST(DynamicBrokerConfigTest, DynamicNamesAndLevels) {
    EXPECT_TRUE(is_dynamic_broker_config("log.retention.ms"));  // a topic default
    EXPECT_TRUE(is_dynamic_broker_config("log.cleanup.policy"));
    EXPECT_TRUE(is_dynamic_broker_config("background.threads"));  // thread pools
    EXPECT_TRUE(is_dynamic_broker_config("max.connections.per.ip"));
    EXPECT_TRUE(is_dynamic_broker_config("sasl.kerberos.min.time.before.relogin"));
    EXPECT_TRUE(is_dynamic_broker_config("listener.name.internal.ssl.keystore.location"));
    EXPECT_FALSE(is_dynamic_broker_config("log.dirs"));
    EXPECT_FALSE(is_dynamic_broker_config("log.retention.hours"));  // only the primary synonym
    EXPECT_FALSE(is_dynamic_broker_config("node.id"));
    EXPECT_TRUE(is_per_broker_config("sasl.kerberos.min.time.before.relogin"));
    EXPECT_TRUE(is_per_broker_config("listener.name.internal.ssl.keystore.location"));
    EXPECT_FALSE(is_per_broker_config("max.connections"));
    EXPECT_FALSE(is_per_broker_config("listener.name.internal.max.connections"));
    EXPECT_FALSE(is_per_broker_config("log.retention.ms"));
}

TEST(DynamicBrokerConfigTest, RefusalsCarryKafkasMessages) {
    auto r = validate_dynamic_broker_configs({{"log.dirs", "/x"}, {"num.partitions", "3"}}, true);
    EXPECT_EQ(r.code, error_code::invalid_request);
    EXPECT_EQ(r.message, "Cannot update these configs dynamically: Set(log.dirs, num.partitions)");
    r = validate_dynamic_broker_configs({{"ssl.keystore.location", "/k"}}, true);
    EXPECT_EQ(r.message,
              "These security configs can be dynamically updated only per-listener using the listener prefix: "
              "Set(ssl.keystore.location)");
    r = validate_dynamic_broker_configs({{"sasl.kerberos.min.time.before.relogin", "1"}}, false);
    EXPECT_EQ(r.message,
              "Cannot update these configs at default cluster level, broker id must be specified: "
              "Set(sasl.kerberos.min.time.before.relogin)");
    r = validate_dynamic_broker_configs({{"log.segment.bytes", "ten"}}, false);
    EXPECT_EQ(r.code, error_code::invalid_request);
    EXPECT_EQ(r.message, "Invalid value ten for configuration log.segment.bytes: Not a number of type INT");
    r = validate_dynamic_broker_configs({{"listener.name.internal.max.connections", "-1"}}, true);
    EXPECT_EQ(r.code, error_code::invalid_request);
    // Kafka allows names it does not know (custom configs).
    EXPECT_TRUE(validate_dynamic_broker_configs({{"my.own.setting", "x"}}, false).ok());
    EXPECT_TRUE(validate_dynamic_broker_configs({{"sasl.kerberos.min.time.before.relogin", "58000"}}, true).ok());
}

TEST(DynamicBrokerConfigTest, IncrementalOps) {
    config_map props{{"background.threads", "9"}};
    ASSERT_TRUE(apply_broker_ops(props, {{"log.cleanup.policy", alter_op_type::append, "compact"}}).ok());
    EXPECT_EQ(props["log.cleanup.policy"], "delete,compact");  // from the property's default
    ASSERT_TRUE(apply_broker_ops(props, {{"log.cleanup.policy", alter_op_type::subtract, "compact"},
                                         {"background.threads", alter_op_type::del, std::nullopt}})
                    .ok());
    EXPECT_EQ(props, (config_map{{"log.cleanup.policy", "delete"}}));

    auto before = props;
    auto r = apply_broker_ops(props, {{"log.retention.ms", alter_op_type::append, "1"}});
    EXPECT_EQ(r.code, error_code::invalid_config);
    EXPECT_EQ(r.message, "Config value append is not allowed for config key: log.retention.ms");
    r = apply_broker_ops(props, {{"a.b", alter_op_type::set, "1"}, {"a.b", alter_op_type::del, std::nullopt}});
    EXPECT_EQ(r.code, error_code::invalid_request);
    r = apply_broker_ops(props, {{"log.retention.ms", alter_op_type::set, std::nullopt}});
    EXPECT_EQ(r.code, error_code::invalid_request);
    r = apply_broker_ops(props, {{"log.retention.ms", static_cast<alter_op_type>(9), "1"}});
    EXPECT_EQ(r.code, error_code::invalid_request);
    EXPECT_EQ(props, before);
}

TEST(DynamicBrokerConfigTest, LevelsLayerOverTheStaticSet) {
    auto c = parse("log.retention.hours=2\nnum.partitions=3\n");
    EXPECT_EQ(c.value_of("log.retention.ms"), "7200000");
    c.set_dynamic({{"log.retention.ms", "3600000"}, {"log.segment.bytes", "1024"}}, {});
    EXPECT_EQ(c.log_segment_bytes, 1024);  // typed fields read again
    EXPECT_EQ(c.value_of("log.retention.ms"), "3600000");
    EXPECT_EQ(c.source_of("log.retention.ms"), config_source::dynamic_default_broker_config);
    c.set_dynamic(c.dynamic_default(), {{"log.retention.ms", "60000"}});
    EXPECT_EQ(c.log_retention_ms, 60000);
    EXPECT_EQ(c.source_of("log.retention.ms"), config_source::dynamic_broker_config);
    auto entries = c.describe(true);
    const auto& e = entry(entries, "log.retention.ms");
    EXPECT_FALSE(e.read_only);
    ASSERT_EQ(e.synonyms.size(), 4u);
    EXPECT_EQ(e.synonyms[0], (config_synonym{"log.retention.ms", "60000", config_source::dynamic_broker_config}));
    EXPECT_EQ(e.synonyms[1],
              (config_synonym{"log.retention.ms", "3600000", config_source::dynamic_default_broker_config}));
    EXPECT_EQ(e.synonyms[2], (config_synonym{"log.retention.hours", "2", config_source::static_broker_config}));
    EXPECT_EQ(e.synonyms[3], (config_synonym{"log.retention.hours", "168", config_source::default_config}));
    EXPECT_TRUE(entry(entries, "num.partitions").read_only);
    // A topic without an override follows the layers.
    auto s = resolve_topic_settings({}, c);
    EXPECT_EQ(s.storage.retention_ms, 60000);
    EXPECT_EQ(s.storage.segment_bytes, 1024);
    auto t = describe({}, c, false);
    EXPECT_EQ(entry(t, "segment.bytes").source, config_source::dynamic_default_broker_config);
    EXPECT_EQ(entry(t, "retention.ms").source, config_source::dynamic_broker_config);
}

TEST(DynamicBrokerConfigTest, ListenersStayAsStarted) {
    auto c = parse("listeners=PLAINTEXT://127.0.0.1:9092\n");
    c.set_dynamic({}, {{"listeners", "PLAINTEXT://127.0.0.1:9092,OTHER://127.0.0.1:9093"},
                       {"listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,OTHER:PLAINTEXT"}});
    ASSERT_EQ(c.listeners.size(), 1u);
    EXPECT_EQ(c.advertised_listeners.size(), 1u);
    EXPECT_EQ(c.source_of("listeners"), config_source::dynamic_broker_config);  // described as set
}

TEST(DynamicBrokerConfigTest, AnInvalidCombinationChangesNothing) {
    auto c = parse("");
    // replica.fetch.wait.max.ms must stay within replica.lag.time.max.ms; a
    // dynamic layer cannot break a cross-check either.
    EXPECT_THROW(c.set_dynamic({}, {{"replica.lag.time.max.ms", "10"}}), config_error);
    EXPECT_TRUE(c.dynamic_broker().empty());
    EXPECT_EQ(c.replica_lag_time_max_ms, 30000);
}

TEST(DynamicBrokerConfigTest, GroupConfigs) {
    auto c = parse("group.consumer.min.session.timeout.ms=1000\n");
    EXPECT_TRUE(group_configs_enabled(c));
    EXPECT_FALSE(group_configs_enabled(parse("group.coordinator.rebalance.protocols=classic\n")));
    EXPECT_TRUE(validate_group_configs({{"consumer.session.timeout.ms", "50000"}}, c).ok());
    auto r = validate_group_configs({{"consumer.session.timeout.ms", "999"}}, c);
    EXPECT_EQ(r.code, error_code::invalid_config);
    EXPECT_EQ(r.message,
              "consumer.session.timeout.ms must be greater than or equal to group.consumer.min.session.timeout.ms");
    r = validate_group_configs({{"consumer.heartbeat.interval.ms", "20000"}}, c);
    EXPECT_EQ(r.message,
              "consumer.heartbeat.interval.ms must be less than or equal to group.consumer.max.heartbeat.interval.ms");
    r = validate_group_configs({{"consumer.heartbeat.interval.ms", "x"}}, c);
    EXPECT_EQ(r.code, error_code::invalid_config);
    r = validate_group_configs({{"share.record.lock.duration.ms", "1"}}, c);
    EXPECT_EQ(r.message, "Unknown group config name: share.record.lock.duration.ms");

    config_map g;
    ASSERT_TRUE(apply_group_ops(g, {{"consumer.session.timeout.ms", alter_op_type::set, "50000"}}).ok());
    EXPECT_EQ(group_config_int(g, "consumer.session.timeout.ms", c), 50000);
    EXPECT_EQ(group_config_int(g, "consumer.heartbeat.interval.ms", c), 5000);
    EXPECT_EQ(apply_group_ops(g, {{"consumer.session.timeout.ms", alter_op_type::append, "1"}}).code,
              error_code::invalid_config);
    auto entries = describe_group(g, c, true);
    const auto& e = entry(entries, "consumer.session.timeout.ms");
    EXPECT_EQ(e.value, "50000");
    EXPECT_EQ(e.source, config_source::dynamic_group_config);
    ASSERT_FALSE(e.synonyms.empty());
    EXPECT_EQ(e.synonyms.back().name, "group.consumer.session.timeout.ms");
    EXPECT_EQ(entry(entries, "consumer.heartbeat.interval.ms").source, config_source::default_config);
}

TEST(DynamicBrokerConfigTest, RecordsRoundTripAndUnreadableOnesAreRefused) {
    config_map m{{"log.retention.ms", "1"}, {"quote\"d", "a,b"}};
    EXPECT_EQ(decode_config_map(encode_config_map(m)), m);
    EXPECT_EQ(decode_config_map("{}"), config_map{});
    EXPECT_FALSE(decode_config_map("[1]"));
    EXPECT_FALSE(decode_config_map("{\"a\":1}"));
    EXPECT_FALSE(decode_config_map("{\"a\":"));
}

}  // namespace
}  // namespace sluice::broker

// Topic configs: Kafka's validation per type, describe sources and synonyms,
// IncrementalAlterConfigs, and the resolved settings.
#include "broker/config/topic_config.h"

#include <gtest/gtest.h>

namespace sluice::broker {
namespace {

using protocol::error_code;

broker_config broker(std::string_view text = "") { return broker_config::from_properties(parse_properties(text)); }

const config_entry& entry(const std::vector<config_entry>& entries, std::string_view name) {
    for (const auto& e : entries) {
        if (e.name == name) return e;
    }
    ADD_FAILURE() << "no entry " << name;
    static config_entry none;
    return none;
}

void expect_invalid(std::string_view name, std::string_view value) {
    auto r = validate_topic_config(name, value);
    EXPECT_EQ(r.code, error_code::invalid_config) << name << "=" << value;
    EXPECT_NE(r.message.find(name), std::string::npos) << r.message;
}

void expect_valid(std::string_view name, std::string_view value) {
    auto r = validate_topic_config(name, value);
    EXPECT_TRUE(r.ok()) << name << "=" << value << ": " << r.message;
}

TEST(TopicConfigTest, UnknownNameIsInvalidConfig) {
    auto r = validate_topic_config("retention.days", "1");
    EXPECT_EQ(r.code, error_code::invalid_config);
    EXPECT_NE(r.message.find("retention.days"), std::string::npos);
}

TEST(TopicConfigTest, LongValues) {
    expect_valid("retention.ms", "-1");
    expect_valid("retention.ms", "9223372036854775807");
    expect_invalid("retention.ms", "-2");
    expect_invalid("retention.ms", "1h");
    expect_invalid("retention.ms", "9223372036854775808");
    expect_valid("retention.bytes", "-1");
    expect_invalid("flush.messages", "0");
    expect_valid("flush.ms", "0");
    expect_invalid("segment.ms", "0");
    expect_invalid("max.compaction.lag.ms", "0");
    expect_invalid("delete.retention.ms", "-1");
}

TEST(TopicConfigTest, IntValues) {
    expect_valid("segment.bytes", "14");
    expect_invalid("segment.bytes", "13");
    expect_invalid("segment.bytes", "2147483648");
    expect_invalid("max.message.bytes", "-1");
    expect_invalid("min.insync.replicas", "0");
    expect_invalid("segment.index.bytes", "3");
    expect_invalid("index.interval.bytes", "x");
}

TEST(TopicConfigTest, DoubleValues) {
    expect_valid("min.cleanable.dirty.ratio", "0");
    expect_valid("min.cleanable.dirty.ratio", "0.25");
    expect_valid("min.cleanable.dirty.ratio", "1");
    expect_invalid("min.cleanable.dirty.ratio", "1.01");
    expect_invalid("min.cleanable.dirty.ratio", "-0.1");
    expect_invalid("min.cleanable.dirty.ratio", "half");
}

TEST(TopicConfigTest, BooleanValues) {
    expect_valid("preallocate", "true");
    expect_valid("unclean.leader.election.enable", "FALSE");
    expect_invalid("preallocate", "1");
    expect_invalid("message.downconversion.enable", "");
}

TEST(TopicConfigTest, EnumValues) {
    for (auto v : {"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"})
        expect_valid("compression.type", v);
    expect_invalid("compression.type", "none");
    expect_valid("message.timestamp.type", "LogAppendTime");
    expect_invalid("message.timestamp.type", "logappendtime");
}

TEST(TopicConfigTest, ListValues) {
    expect_valid("cleanup.policy", "compact");
    expect_valid("cleanup.policy", "compact,delete");
    expect_valid("cleanup.policy", "delete, compact");
    expect_invalid("cleanup.policy", "compact,archive");
    expect_invalid("cleanup.policy", "");
    expect_invalid("cleanup.policy", "delete,delete");
}

TEST(TopicConfigTest, MessageFormatVersionTakesKafkaVersionStrings) {
    // Deprecated and ignored since Kafka 3.0, but tools still set it.
    for (std::string_view v : {"0.10.0", "0.10.0.0", "0.10.0-IV1", "0.8.2", "2.8", "2.8-IV1", "3.0-IV1", "3.0.1"}) {
        expect_valid("message.format.version", v);
    }
    for (std::string_view v : {"", "0.10", "1", "abc", "3.x", "2.8-IV", "2.8-IVx", "4.0", "1..0"}) {
        expect_invalid("message.format.version", v);
    }
}

TEST(TopicConfigTest, EffectiveFallsBackToBroker) {
    auto b = broker("log.retention.hours=1\nmessage.max.bytes=500");
    topic_config t{{"max.message.bytes", "100"}};
    EXPECT_EQ(effective(t, "max.message.bytes", b), "100");
    EXPECT_EQ(effective(t, "retention.ms", b), "3600000");
    EXPECT_EQ(effective({}, "max.message.bytes", b), "500");
    EXPECT_EQ(effective({}, "segment.bytes", b), "1073741824");
    EXPECT_EQ(effective({}, "no.such", b), std::nullopt);
}

TEST(TopicConfigTest, DescribeSources) {
    auto b = broker("log.retention.hours=1");
    auto entries = describe({{"segment.bytes", "1000"}}, b, false);
    const auto& seg = entry(entries, "segment.bytes");
    EXPECT_EQ(seg.value, "1000");
    EXPECT_EQ(seg.source, config_source::dynamic_topic_config);
    EXPECT_FALSE(seg.read_only);
    EXPECT_EQ(seg.type, static_cast<int8_t>(config_type::int32));
    EXPECT_TRUE(seg.synonyms.empty());
    const auto& ret = entry(entries, "retention.ms");
    EXPECT_EQ(ret.value, "3600000");
    EXPECT_EQ(ret.source, config_source::static_broker_config);
    const auto& mmb = entry(entries, "max.message.bytes");
    EXPECT_EQ(mmb.value, "1048588");
    EXPECT_EQ(mmb.source, config_source::default_config);
    EXPECT_EQ(entry(entries, "cleanup.policy").type, static_cast<int8_t>(config_type::list));
}

TEST(TopicConfigTest, DescribeSynonyms) {
    auto b = broker("log.retention.minutes=30");
    auto entries = describe({{"retention.ms", "5000"}}, b, true);
    EXPECT_EQ(entry(entries, "retention.ms").synonyms,
              (std::vector<config_synonym>{{"retention.ms", "5000", config_source::dynamic_topic_config},
                                           {"log.retention.minutes", "30", config_source::static_broker_config},
                                           {"log.retention.hours", "168", config_source::default_config}}));
    EXPECT_EQ(entry(entries, "segment.bytes").synonyms,
              (std::vector<config_synonym>{{"log.segment.bytes", "1073741824", config_source::default_config}}));
}

TEST(TopicConfigTest, IncrementalSetAndDelete) {
    auto b = broker();
    topic_config t{{"retention.ms", "1000"}, {"segment.bytes", "2000"}};
    auto r = apply_incremental(
        t, {{"retention.ms", alter_op_type::del, std::nullopt}, {"max.message.bytes", alter_op_type::set, "77"}}, b);
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(t, (topic_config{{"segment.bytes", "2000"}, {"max.message.bytes", "77"}}));
}

TEST(TopicConfigTest, IncrementalDeleteOfUnsetIsFine) {
    topic_config t;
    EXPECT_TRUE(apply_incremental(t, {{"retention.ms", alter_op_type::del, std::nullopt}}, broker()).ok());
    EXPECT_TRUE(t.empty());
}

TEST(TopicConfigTest, IncrementalAppendStartsFromEffectiveValue) {
    topic_config t;
    ASSERT_TRUE(apply_incremental(t, {{"cleanup.policy", alter_op_type::append, "compact"}}, broker()).ok());
    EXPECT_EQ(t.at("cleanup.policy"), "delete,compact");
    // Appending what is there already changes nothing.
    ASSERT_TRUE(apply_incremental(t, {{"cleanup.policy", alter_op_type::append, "delete"}}, broker()).ok());
    EXPECT_EQ(t.at("cleanup.policy"), "delete,compact");
    topic_config u;
    ASSERT_TRUE(apply_incremental(u, {{"cleanup.policy", alter_op_type::append, "delete"}},
                                  broker("log.cleanup.policy=compact"))
                    .ok());
    EXPECT_EQ(u.at("cleanup.policy"), "compact,delete");
}

TEST(TopicConfigTest, IncrementalSubtract) {
    topic_config t{{"cleanup.policy", "compact,delete"}};
    ASSERT_TRUE(apply_incremental(t, {{"cleanup.policy", alter_op_type::subtract, "delete"}}, broker()).ok());
    EXPECT_EQ(t.at("cleanup.policy"), "compact");
    // Removing the last policy would leave the topic with none.
    auto r = apply_incremental(t, {{"cleanup.policy", alter_op_type::subtract, "compact"}}, broker());
    EXPECT_EQ(r.code, error_code::invalid_config);
    EXPECT_EQ(t.at("cleanup.policy"), "compact");
}

TEST(TopicConfigTest, AppendAndSubtractRejectedOnNonList) {
    topic_config t;
    auto r = apply_incremental(t, {{"retention.ms", alter_op_type::append, "5"}}, broker());
    EXPECT_EQ(r.code, error_code::invalid_config);
    EXPECT_NE(r.message.find("retention.ms"), std::string::npos);
    r = apply_incremental(t, {{"compression.type", alter_op_type::subtract, "gzip"}}, broker());
    EXPECT_EQ(r.code, error_code::invalid_config);
    EXPECT_TRUE(t.empty());
}

TEST(TopicConfigTest, IncrementalIsAtomic) {
    topic_config t{{"retention.ms", "1000"}};
    const topic_config before = t;
    auto r = apply_incremental(
        t, {{"retention.ms", alter_op_type::set, "2000"}, {"segment.bytes", alter_op_type::set, "1"}}, broker());
    EXPECT_EQ(r.code, error_code::invalid_config);
    EXPECT_EQ(t, before);
    r = apply_incremental(
        t, {{"retention.ms", alter_op_type::del, std::nullopt}, {"bogus.name", alter_op_type::set, "1"}}, broker());
    EXPECT_EQ(r.code, error_code::invalid_config);
    EXPECT_EQ(t, before);
}

TEST(TopicConfigTest, IncrementalRejectsDuplicateKeysAndNullSet) {
    topic_config t;
    auto r = apply_incremental(
        t, {{"retention.ms", alter_op_type::set, "1"}, {"retention.ms", alter_op_type::set, "2"}}, broker());
    EXPECT_EQ(r.code, error_code::invalid_request);
    r = apply_incremental(t, {{"retention.ms", alter_op_type::set, std::nullopt}}, broker());
    EXPECT_EQ(r.code, error_code::invalid_request);
    r = apply_incremental(t, {{"retention.ms", static_cast<alter_op_type>(9), "1"}}, broker());
    EXPECT_EQ(r.code, error_code::invalid_request);
    EXPECT_TRUE(t.empty());
}

TEST(TopicConfigTest, ResolvedSettingsFromBrokerDefaults) {
    auto s = resolve_topic_settings({}, broker());
    EXPECT_EQ(s.storage.segment_bytes, 1073741824);
    EXPECT_EQ(s.storage.segment_ms, 168LL * 3'600'000);
    EXPECT_EQ(s.storage.retention_ms, 168LL * 3'600'000);
    EXPECT_EQ(s.storage.retention_bytes, -1);
    EXPECT_EQ(s.storage.index_interval_bytes, 4096);
    EXPECT_EQ(s.storage.segment_index_bytes, 10485760);
    EXPECT_FALSE(s.storage.log_append_time);
    EXPECT_EQ(s.storage.flush_messages, int64_max);
    EXPECT_EQ(s.storage.flush_ms, int64_max);
    EXPECT_TRUE(s.storage.delete_retention);
    EXPECT_FALSE(s.compact);
    EXPECT_EQ(s.max_message_bytes, 1048588);
    EXPECT_EQ(s.compression_type, "producer");
    EXPECT_EQ(s.min_cleanable_dirty_ratio, 0.5);
    EXPECT_EQ(s.delete_retention_ms, 86400000);
}

TEST(TopicConfigTest, ResolvedSettingsWithOverrides) {
    topic_config t{{"cleanup.policy", "compact"}, {"message.timestamp.type", "LogAppendTime"},
                   {"retention.ms", "-1"},        {"segment.ms", "60000"},
                   {"compression.type", "zstd"},  {"max.message.bytes", "2048"},
                   {"flush.messages", "1"}};
    ASSERT_TRUE(validate_topic_configs(t).ok());
    auto s = resolve_topic_settings(t, broker("log.segment.bytes=4096"));
    EXPECT_TRUE(s.compact);
    EXPECT_FALSE(s.storage.delete_retention);
    EXPECT_TRUE(s.storage.log_append_time);
    EXPECT_EQ(s.storage.retention_ms, -1);
    EXPECT_EQ(s.storage.segment_ms, 60000);
    EXPECT_EQ(s.storage.segment_bytes, 4096);
    EXPECT_EQ(s.storage.flush_messages, 1);
    EXPECT_EQ(s.compression_type, "zstd");
    EXPECT_EQ(s.max_message_bytes, 2048);
}

TEST(TopicConfigTest, EveryTopicConfigHasABrokerDefault) {
    for (const auto& e : describe({}, broker(), false)) {
        auto synonym = broker_synonym(e.name);
        ASSERT_TRUE(synonym) << e.name;
        EXPECT_TRUE(e.value) << e.name << " has no value via " << *synonym;
        EXPECT_TRUE(validate_topic_config(e.name, *e.value).ok()) << e.name << "=" << *e.value;
    }
}

}  // namespace
}  // namespace sluice::broker

// The __consumer_offsets record formats (byte-exact against Kafka), the
// group → partition hash, and replay. Loading from a log: offsets_loader_test.cc.
#include "broker/groups/offsets_topic.h"

#include <gtest/gtest.h>

#include <climits>

#include "protocol/generated/group_metadata_value.h"
#include "protocol/generated/offset_commit_value.h"

namespace sluice::broker::groups {
namespace {

using protocol::bytes;

protocol::record make_record(std::optional<bytes> key, std::optional<bytes> value) {
    protocol::record r;
    r.key = std::move(key);
    r.value = std::move(value);
    return r;
}

template <typename T>
bytes versioned(const T& message, int16_t version) {
    protocol::writer w;
    w.write_int16(version);
    message.encode(w, version);
    return w.buffer();
}

committed_offset sample_offset(int64_t offset) {
    return committed_offset{offset, 7, "meta", 1700000000000 + offset, -1};
}

group_record sample_group(int32_t generation) {
    group_record g;
    g.protocol_type = "consumer";
    g.generation = generation;
    g.protocol = "range";
    g.leader = "m1";
    g.current_state_timestamp = 1700000000123;
    g.members.push_back({"m1", "instance-1", "client-a", "/10.0.0.1", 300000, 45000, {1, 2, 3}, {4, 5}});
    g.members.push_back({"m2", std::nullopt, "client-b", "/10.0.0.2", 60000, 10000, {}, {9}});
    return g;
}

TEST(OffsetsTopicFormat, KeysAreByteExactWithKafka) {
    EXPECT_EQ(offset_commit_key("g", "t", 0),
              (bytes{0x00, 0x01, 0x00, 0x01, 0x67, 0x00, 0x01, 0x74, 0x00, 0x00, 0x00, 0x00}));
    EXPECT_EQ(group_metadata_key("g"), (bytes{0x00, 0x02, 0x00, 0x01, 0x67}));
}

TEST(OffsetsTopicFormat, OffsetCommitRoundTrip) {
    auto value = offset_commit_value(sample_offset(42));
    ASSERT_GE(value.size(), 2u);
    EXPECT_EQ(value[1], 3);  // Kafka 3.x writes v3
    auto rec = decode_offsets_record(make_record(offset_commit_key("grp", "topic", 5), value));
    ASSERT_TRUE(rec);
    EXPECT_EQ(rec->type, offsets_record::kind::offset_commit);
    EXPECT_EQ(rec->group, "grp");
    EXPECT_EQ(rec->topic, "topic");
    EXPECT_EQ(rec->partition, 5);
    ASSERT_TRUE(rec->offset);
    EXPECT_EQ(*rec->offset, sample_offset(42));
}

TEST(OffsetsTopicFormat, ExplicitExpiryIsWrittenAsV1) {
    committed_offset o{10, -1, "", 1000, 2000};
    auto value = offset_commit_value(o);
    EXPECT_EQ(value[1], 1);
    auto rec = decode_offsets_record(make_record(offset_commit_key("g", "t", 0), value));
    ASSERT_TRUE(rec && rec->offset);
    EXPECT_EQ(*rec->offset, o);
}

TEST(OffsetsTopicFormat, GroupMetadataRoundTrip) {
    auto value = group_metadata_value(sample_group(3));
    EXPECT_EQ(value[1], 3);
    auto rec = decode_offsets_record(make_record(group_metadata_key("grp"), value));
    ASSERT_TRUE(rec);
    EXPECT_EQ(rec->type, offsets_record::kind::group_metadata);
    EXPECT_EQ(rec->group, "grp");
    ASSERT_TRUE(rec->metadata);
    EXPECT_EQ(*rec->metadata, sample_group(3));

    group_record empty;  // an Empty group: no protocol, no leader, no members
    empty.protocol_type = "consumer";
    rec = decode_offsets_record(make_record(group_metadata_key("grp"), group_metadata_value(empty)));
    ASSERT_TRUE(rec && rec->metadata);
    EXPECT_EQ(*rec->metadata, empty);
}

TEST(OffsetsTopicFormat, ReadsEveryOffsetCommitValueVersion) {
    for (int16_t v = 0; v <= 4; ++v) {
        protocol::offset_commit_value value;
        value.offset = 100 + v;
        value.leader_epoch = 9;
        value.metadata = "m";
        value.commit_timestamp = 5000;
        value.expire_timestamp = 6000;
        if (v == 4) value.unknown_tagged_fields.push_back({17, {1, 2}});  // a future tag
        auto rec = decode_offsets_record(make_record(offset_commit_key("g", "t", 1), versioned(value, v)));
        ASSERT_TRUE(rec && rec->offset) << "version " << v;
        EXPECT_EQ(rec->offset->offset, 100 + v);
        EXPECT_EQ(rec->offset->leader_epoch, v >= 3 ? 9 : -1) << v;
        EXPECT_EQ(rec->offset->metadata, "m");
        EXPECT_EQ(rec->offset->commit_timestamp, 5000);
        EXPECT_EQ(rec->offset->expire_timestamp, v == 1 ? 6000 : -1) << v;
    }
}

TEST(OffsetsTopicFormat, ReadsEveryGroupMetadataValueVersion) {
    for (int16_t v = 0; v <= 4; ++v) {
        protocol::group_metadata_value value;
        value.protocol_type = "consumer";
        value.generation = 4;
        value.protocol = "range";
        value.leader = std::nullopt;
        value.current_state_timestamp = 777;
        protocol::group_metadata_value::member_metadata m;
        m.member_id = "m";
        m.group_instance_id = "static";
        m.client_id = "c";
        m.client_host = "/h";
        m.rebalance_timeout = 300;
        m.session_timeout = 100;
        m.subscription = {1};
        m.assignment = {2, 3};
        value.members.push_back(m);
        auto rec = decode_offsets_record(make_record(group_metadata_key("g"), versioned(value, v)));
        ASSERT_TRUE(rec && rec->metadata) << "version " << v;
        const auto& g = *rec->metadata;
        EXPECT_EQ(g.protocol_type, "consumer");
        EXPECT_EQ(g.generation, 4);
        EXPECT_EQ(g.protocol, "range");
        EXPECT_FALSE(g.leader);
        EXPECT_EQ(g.current_state_timestamp, v >= 2 ? 777 : -1) << v;
        ASSERT_EQ(g.members.size(), 1u);
        const auto& mr = g.members[0];
        EXPECT_EQ(mr.member_id, "m");
        EXPECT_EQ(mr.group_instance_id, v >= 3 ? std::optional<std::string>("static") : std::nullopt) << v;
        EXPECT_EQ(mr.rebalance_timeout_ms, v == 0 ? 100 : 300) << v;  // v0: the session timeout
        EXPECT_EQ(mr.session_timeout_ms, 100);
        EXPECT_EQ(mr.subscription, bytes{1});
        EXPECT_EQ(mr.assignment, (bytes{2, 3}));
    }
}

TEST(OffsetsTopicFormat, KeyVersionZeroIsAnOffsetCommit) {
    protocol::writer w;
    w.write_int16(0);
    w.write_string("g", false);
    w.write_string("t", false);
    w.write_int32(3);
    auto rec = decode_offsets_record(make_record(w.buffer(), std::nullopt));
    ASSERT_TRUE(rec);
    EXPECT_EQ(rec->type, offsets_record::kind::offset_commit);
    EXPECT_EQ(rec->partition, 3);
    EXPECT_FALSE(rec->offset);  // tombstone
}

TEST(OffsetsTopicFormat, UnknownKeyVersionsAreIgnored) {
    loaded_groups groups;
    for (int16_t version : {9, 100}) {
        bytes key{0x00, static_cast<uint8_t>(version), 0x00, 0x01, 'g'};
        for (auto value : {std::optional<bytes>{}, std::optional<bytes>{bytes{0xde, 0xad}}}) {
            auto rec = decode_offsets_record(make_record(key, value));
            ASSERT_TRUE(rec) << version;
            EXPECT_EQ(rec->type, offsets_record::kind::unknown);
            replay(*rec, groups);
        }
    }
    EXPECT_TRUE(groups.empty());
}

TEST(OffsetsTopicFormat, MalformedConsumerGroupRecordsCreateNothing) {
    // Key versions 3-8 are KIP-848 records; these have bad values, a key
    // missing its member id, or are tombstones of a group that never was.
    loaded_groups groups;
    for (int16_t version : {3, 4, 7}) {
        bytes key{0x00, static_cast<uint8_t>(version), 0x00, 0x01, 'g'};
        for (auto value : {std::optional<bytes>{}, std::optional<bytes>{bytes{0xde, 0xad}}}) {
            auto rec = decode_offsets_record(make_record(key, value));
            ASSERT_TRUE(rec) << version;
            EXPECT_EQ(rec->type, offsets_record::kind::consumer_group);
            EXPECT_EQ(rec->group, "g");
            replay(*rec, groups);
        }
    }
    EXPECT_TRUE(groups.empty());
}

TEST(OffsetsTopicFormat, MalformedKeysAreRejected) {
    auto good_value = offset_commit_value(sample_offset(1));
    auto rejects = [&](std::optional<bytes> key) {
        return !decode_offsets_record(make_record(std::move(key), good_value)).has_value();
    };
    EXPECT_TRUE(rejects(std::nullopt));
    EXPECT_TRUE(rejects(bytes{}));
    EXPECT_TRUE(rejects(bytes{0x00}));
    auto key = offset_commit_key("g", "t", 0);
    for (size_t n = 2; n < key.size(); ++n) {
        EXPECT_TRUE(rejects(bytes(key.begin(), key.begin() + static_cast<long>(n)))) << "truncated at " << n;
    }
    auto trailing = key;
    trailing.push_back(0);
    EXPECT_TRUE(rejects(trailing));
    EXPECT_TRUE(rejects(bytes{0x00, 0x01, 0xff, 0xfe, 0x00, 0x01, 0x74, 0, 0, 0, 0}));  // length -2
    EXPECT_TRUE(rejects(bytes{0x00, 0x01, 0xff, 0xff, 0x00, 0x01, 0x74, 0, 0, 0, 0}));  // null group
    EXPECT_TRUE(rejects(bytes{0x00, 0x01, 0x7f, 0xff, 0x67}));                          // lying length
    auto group_trailing = group_metadata_key("g");
    group_trailing.push_back(1);
    EXPECT_TRUE(rejects(group_trailing));
    EXPECT_TRUE(rejects(bytes{0x00, 0x02, 0x00}));
}

TEST(OffsetsTopicFormat, MalformedValuesAreRejected) {
    auto key = offset_commit_key("g", "t", 0);
    auto value = offset_commit_value(sample_offset(1));
    auto rejects = [](bytes k, bytes v) { return !decode_offsets_record(make_record(k, v)).has_value(); };
    EXPECT_TRUE(rejects(key, bytes{}));
    EXPECT_TRUE(rejects(key, bytes(value.begin(), value.end() - 1)));
    auto trailing = value;
    trailing.push_back(0);
    EXPECT_TRUE(rejects(key, trailing));
    auto future = value;
    future[1] = 5;  // no such version
    EXPECT_TRUE(rejects(key, future));
    future[0] = 0xff;  // negative
    EXPECT_TRUE(rejects(key, future));

    auto gkey = group_metadata_key("g");
    auto gvalue = group_metadata_value(sample_group(1));
    EXPECT_TRUE(rejects(gkey, bytes(gvalue.begin(), gvalue.end() - 1)));
    EXPECT_TRUE(rejects(gkey, value));  // an offset value under a group key
    gvalue.push_back(0);
    EXPECT_TRUE(rejects(gkey, gvalue));
    // A member count far beyond what the bytes could hold.
    protocol::writer w;
    w.write_int16(3);
    w.write_string("consumer", false);
    w.write_int32(1);
    w.write_nullable_string(std::nullopt, false);
    w.write_nullable_string(std::nullopt, false);
    w.write_int64(0);
    w.write_int32(INT32_MAX);
    EXPECT_TRUE(rejects(gkey, w.buffer()));
}

TEST(OffsetsTopicReplay, LatestWinsAndTombstonesErase) {
    loaded_groups groups;
    auto apply = [&](bytes key, std::optional<bytes> value) {
        auto rec = decode_offsets_record(make_record(std::move(key), std::move(value)));
        ASSERT_TRUE(rec);
        replay(*rec, groups);
    };
    apply(offset_commit_key("a", "t", 0), offset_commit_value(sample_offset(1)));
    apply(offset_commit_key("a", "t", 0), offset_commit_value(sample_offset(5)));
    apply(offset_commit_key("a", "t", 1), offset_commit_value(sample_offset(2)));
    apply(group_metadata_key("a"), group_metadata_value(sample_group(1)));
    apply(group_metadata_key("a"), group_metadata_value(sample_group(2)));
    apply(offset_commit_key("b", "u", 0), offset_commit_value(sample_offset(9)));
    ASSERT_EQ(groups.size(), 2u);
    EXPECT_EQ(groups["a"].offsets.at({"t", 0}).offset, 5);
    EXPECT_EQ(groups["a"].metadata->generation, 2);

    apply(offset_commit_key("a", "t", 1), std::nullopt);
    EXPECT_EQ(groups["a"].offsets.count({"t", 1}), 0u);
    apply(group_metadata_key("a"), std::nullopt);  // group gone, its offsets stay
    EXPECT_FALSE(groups["a"].metadata);
    EXPECT_EQ(groups["a"].offsets.size(), 1u);
    apply(offset_commit_key("a", "t", 0), std::nullopt);
    EXPECT_EQ(groups.count("a"), 0u);  // nothing left
    apply(offset_commit_key("zzz", "t", 0), std::nullopt);  // tombstone for nothing
    apply(group_metadata_key("zzz"), std::nullopt);
    EXPECT_EQ(groups.size(), 1u);
}

// abs(hashCode) is partition_for_group with the largest partition count.
int32_t abs_hash(std::string_view group) { return partition_for_group(group, INT32_MAX); }

TEST(OffsetsTopicPartition, MatchesJavaHashCode) {
    EXPECT_EQ(abs_hash(""), 0);
    EXPECT_EQ(abs_hash("a"), 97);
    EXPECT_EQ(abs_hash("group"), 98629247);
    EXPECT_EQ(abs_hash("my-group"), 1906497762);  // hashCode -1906497762
    EXPECT_EQ(abs_hash("console-consumer-12345"), 158455506);
    EXPECT_EQ(abs_hash("polygenelubricants"), 0);  // hashCode INT32_MIN: Utils.abs gives 0
    // Non-ASCII: UTF-16 code units, surrogate pairs above U+FFFF.
    EXPECT_EQ(abs_hash("\xc3\xa9"), 233);                    // é
    EXPECT_EQ(abs_hash("gr\xc3\xbcppe"), 1233264812);        // grüppe, hashCode negative
    EXPECT_EQ(abs_hash("\xf0\x9f\x98\x80"), 1772899);        // U+1F600 = D83D DE00
    EXPECT_EQ(abs_hash("a\xf0\x9f\x98\x80" "b"), 57849694);
    // Malformed UTF-8 becomes U+FFFD as in Java's decoder.
    EXPECT_EQ(abs_hash("\xff"), 65533);
    EXPECT_EQ(abs_hash("\xe2\x82"), 65533);      // truncated sequence: one U+FFFD
    EXPECT_EQ(abs_hash("\xed\xa0\x80"), 65533);  // encoded surrogate: one U+FFFD
    EXPECT_EQ(abs_hash("a\xff" "b"), 2124838);

    // Kafka's default 50 partitions; Utils.abs, not a mask, for negative hashes.
    EXPECT_EQ(partition_for_group("my-group", 50), 12);
    EXPECT_EQ(partition_for_group("gr\xc3\xbcppe", 50), 12);
    EXPECT_EQ(partition_for_group("group", 50), 47);
}

TEST(OffsetsTopicPartition, AlwaysInRange) {
    for (int32_t partitions : {1, 3, 50, 1000}) {
        for (int i = 0; i < 500; ++i) {
            std::string g = "group-" + std::to_string(i * 7919) + std::string(1, static_cast<char>(0x80 + i % 128));
            int32_t p = partition_for_group(g, partitions);
            EXPECT_GE(p, 0);
            EXPECT_LT(p, partitions);
        }
    }
}

}  // namespace
}  // namespace sluice::broker::groups

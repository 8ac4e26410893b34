// Loading a __consumer_offsets partition from a real log: many segments,
// tombstones, compression, malformed records and batches, the high
// watermark, bounded reads and transaction markers.
#include "unit/temp_dir.h"
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "broker/groups/offsets_topic.h"
#include "log/partition_log.h"

namespace sluice::broker::groups {
namespace {

using protocol::bytes;

committed_offset sample_offset(int64_t offset) {
    return committed_offset{offset, 7, "meta", 1700000000000 + offset, -1};
}

group_record sample_group(int32_t generation) {
    group_record g;
    g.protocol_type = "consumer";
    g.generation = generation;
    g.protocol = "range";
    g.leader = "m1";
    g.members.push_back({"m1", "instance-1", "client-a", "/10.0.0.1", 300000, 45000, {1, 2, 3}, {4, 5}});
    return g;
}

class temp_dir : public sluice::testing::temp_dir {
public:
    temp_dir() : sluice::testing::temp_dir("sluice-offsets-test") {}
};

class OffsetsTopicLoad : public ::testing::Test {
protected:
    void SetUp() override {
        log::log_config config;
        config.segment_bytes = 1024;  // many segments
        config.index_interval_bytes = 256;
        protocol::error_code ec = protocol::error_code::none;
        log_ = log::partition_log::open(dir_.path() / "__consumer_offsets-0",
                                        log::topic_partition{std::string(offsets_topic_name), 0}, config, false, ec);
        ASSERT_EQ(ec, protocol::error_code::none);
        ASSERT_TRUE(log_);
    }
    void append(bytes batch) {
        auto r = log_->append(batch, 0, now_);
        ASSERT_EQ(r.error, protocol::error_code::none);
        log_->set_high_watermark(log_->log_end_offset());
    }
    void append(const std::vector<keyed_value>& records) { append(build_offsets_batch(records, now_)); }

    temp_dir dir_;
    std::unique_ptr<log::partition_log> log_;
    int64_t now_ = 1700000000000;
};

TEST_F(OffsetsTopicLoad, EmptyLog) {
    loaded_groups groups;
    EXPECT_EQ(load_partition(*log_, groups), 0u);
    EXPECT_TRUE(groups.empty());
}

TEST_F(OffsetsTopicLoad, ReplaysManySegmentsWithTombstonesAndCompression) {
    size_t expected = 0;
    for (int round = 0; round < 40; ++round) {
        std::vector<keyed_value> batch;
        for (int g = 0; g < 4; ++g) {
            std::string group = "g" + std::to_string(g);
            batch.push_back({offset_commit_key(group, "t", round % 3), offset_commit_value(sample_offset(round))});
        }
        batch.push_back({group_metadata_key("g0"), group_metadata_value(sample_group(round))});
        expected += batch.size();
        append(batch);
    }
    // g1 loses partition 0; g2 is deleted entirely; g3 loses only its metadata (never had any).
    append({{offset_commit_key("g1", "t", 0), std::nullopt},
            {offset_commit_key("g2", "t", 0), std::nullopt},
            {offset_commit_key("g2", "t", 1), std::nullopt},
            {offset_commit_key("g2", "t", 2), std::nullopt},
            {group_metadata_key("g3"), std::nullopt}});
    expected += 5;
    // A compressed batch (as a Kafka broker may have written it).
    std::vector<protocol::record> records;
    for (int i = 0; i < 3; ++i) {
        protocol::record r;
        r.offset = i;
        r.timestamp = now_;
        r.key = offset_commit_key("lz", "t", i);
        r.value = offset_commit_value(sample_offset(1000 + i));
        records.push_back(std::move(r));
    }
    protocol::batch_builder_options options;
    options.codec = protocol::compression::lz4;
    append(protocol::build_batch(records, options));
    expected += 3;
    ASSERT_GT(log_->segment_count(), 3u);

    loaded_groups groups;
    EXPECT_EQ(load_partition(*log_, groups), expected);
    ASSERT_EQ(groups.count("g2"), 0u);
    ASSERT_EQ(groups.size(), 4u);
    EXPECT_EQ(groups["g0"].metadata, sample_group(39));
    EXPECT_EQ(groups["g0"].offsets.size(), 3u);
    EXPECT_EQ(groups["g0"].offsets.at({"t", 0}), sample_offset(39));  // round 39: 39 % 3 == 0
    EXPECT_EQ(groups["g0"].offsets.at({"t", 1}), sample_offset(37));
    EXPECT_EQ(groups["g0"].offsets.at({"t", 2}), sample_offset(38));
    EXPECT_EQ(groups["g1"].offsets.size(), 2u);
    EXPECT_FALSE(groups["g1"].metadata);
    EXPECT_EQ(groups["g3"].offsets.size(), 3u);
    EXPECT_EQ(groups["lz"].offsets.at({"t", 2}).offset, 1002);
}

TEST_F(OffsetsTopicLoad, SkipsMalformedRecordsAndAppliesTheRest) {
    append({{bytes{0xde, 0xad, 0xbe, 0xef}, bytes{1}},                         // garbage key
            {offset_commit_key("g", "t", 0), bytes{0x00, 0x03, 0x01}},          // truncated value
            {offset_commit_key("g", "t", 1), offset_commit_value(sample_offset(8))},
            {bytes{0x00, 0x64, 0x00, 0x00}, bytes{0x00}},                       // unknown kind
            {group_metadata_key("g"), bytes{0x00, 0x09}},                       // unknown value version
            {group_metadata_key("g"), group_metadata_value(sample_group(2))}});
    // A record with no key at all.
    std::vector<protocol::record> keyless(1);
    keyless[0].value = bytes{1, 2, 3};
    append(protocol::build_batch(keyless, {}));

    loaded_groups groups;
    EXPECT_EQ(load_partition(*log_, groups), 2u);
    ASSERT_EQ(groups.size(), 1u);
    EXPECT_EQ(groups["g"].offsets.size(), 1u);
    EXPECT_EQ(groups["g"].offsets.at({"t", 1}), sample_offset(8));
    EXPECT_EQ(groups["g"].metadata, sample_group(2));
}

// The log trusts its callers, so a batch whose records do not parse can be
// stored (a bug elsewhere, a bad disk): that batch is skipped, not the rest.
TEST_F(OffsetsTopicLoad, SkipsUndecodableBatches) {
    bytes bad = build_offsets_batch({{offset_commit_key("g", "t", 0), offset_commit_value(sample_offset(1))}}, now_);
    bad[protocol::batch_header_size] = 0x7e;  // first record's length varint: 63, past the batch end
    append(bad);
    bytes bad_codec = build_offsets_batch({{offset_commit_key("g", "t", 1), offset_commit_value(sample_offset(1))}}, now_);
    bad_codec[22] |= 0x03;  // attributes say lz4; the records are not an lz4 frame
    append(bad_codec);
    append({{offset_commit_key("g", "t", 2), offset_commit_value(sample_offset(2))}});

    loaded_groups groups;
    EXPECT_EQ(load_partition(*log_, groups), 1u);
    ASSERT_EQ(groups["g"].offsets.size(), 1u);
    EXPECT_EQ(groups["g"].offsets.at({"t", 2}).offset, 2);
}

// More than one read's worth (4 MiB): the loader goes on where a read ended.
TEST_F(OffsetsTopicLoad, ReadsInBoundedChunks) {
    for (int i = 0; i < 12; ++i) {
        group_record g = sample_group(i);
        g.members[0].assignment.assign(size_t{512} << 10, static_cast<uint8_t>(i));
        append({{group_metadata_key("big"), group_metadata_value(g)},
                {offset_commit_key("big", "t", i), offset_commit_value(sample_offset(i))}});
    }
    loaded_groups groups;
    EXPECT_EQ(load_partition(*log_, groups), 24u);
    EXPECT_EQ(groups["big"].metadata->generation, 11);
    EXPECT_EQ(groups["big"].metadata->members[0].assignment.size(), size_t{512} << 10);
    EXPECT_EQ(groups["big"].offsets.size(), 12u);
}

TEST_F(OffsetsTopicLoad, StopsAtHighWatermark) {
    append({{offset_commit_key("g", "t", 0), offset_commit_value(sample_offset(1))}});
    bytes later = build_offsets_batch({{offset_commit_key("g", "t", 0), offset_commit_value(sample_offset(2))}}, now_);
    ASSERT_EQ(log_->append(later, 0, now_).error, protocol::error_code::none);  // not yet committed

    loaded_groups groups;
    EXPECT_EQ(load_partition(*log_, groups), 1u);
    EXPECT_EQ(groups["g"].offsets.at({"t", 0}).offset, 1);
}

// TxnOffsetCommit records apply at their COMMIT marker, vanish at ABORT.
TEST_F(OffsetsTopicLoad, TransactionalOffsetsWaitForTheirMarker) {
    auto txn_batch = [&](int64_t producer, std::string_view group, int64_t offset) {
        std::vector<protocol::record> records(1);
        records[0].timestamp = now_;
        records[0].key = offset_commit_key(group, "t", 0);
        records[0].value = offset_commit_value(sample_offset(offset));
        protocol::batch_builder_options o;
        o.producer_id = producer;
        o.producer_epoch = 0;
        o.base_sequence = 0;
        o.transactional = true;
        return protocol::build_batch(records, o);
    };
    auto marker = [&](int64_t producer, bool commit) {
        std::vector<protocol::record> records(1);
        records[0].timestamp = now_;
        records[0].key = bytes{0, 0, 0, static_cast<uint8_t>(commit ? 1 : 0)};
        records[0].value = bytes{0, 0, 0, 0, 0, 0};  // version, coordinator epoch
        protocol::batch_builder_options o;
        o.producer_id = producer;
        o.producer_epoch = 0;
        o.transactional = true;
        o.control = true;
        return protocol::build_batch(records, o);
    };
    append(txn_batch(1, "committed", 10));
    append(txn_batch(2, "aborted", 20));
    append(txn_batch(3, "open", 30));
    append(marker(1, true));
    append(marker(2, false));

    loaded_groups groups;
    EXPECT_EQ(load_partition(*log_, groups), 1u);
    ASSERT_EQ(groups.size(), 1u);
    EXPECT_EQ(groups["committed"].offsets.at({"t", 0}).offset, 10);
}

}  // namespace
}  // namespace sluice::broker::groups

// __transaction_state records (byte-exact against Kafka's v0 layout), the
// id → partition hash, malformed records, and loading a partition's log.
#include "broker/txn/txn_log.h"

#include <gtest/gtest.h>

#include "broker/groups/offsets_topic.h"
#include "log/partition_log.h"
#include "unit/temp_dir.h"

namespace sluice::broker::txn {
namespace {

using protocol::bytes;

txn_metadata sample(txn_state s) {
    txn_metadata m;
    m.transactional_id = "my-txn";
    m.pid = producer_id(4000);
    m.epoch = producer_epoch(2);
    m.timeout_ms = 60000;
    m.state = s;
    if (s != txn_state::empty) m.partitions = {{"a", 1}, {"a", 0}, {"b", 3}};
    m.start_ms = 1700000000000;
    m.update_ms = 1700000000500;
    return m;
}

protocol::record make_record(std::optional<bytes> key, std::optional<bytes> value) {
    protocol::record r;
    r.key = std::move(key);
    r.value = std::move(value);
    return r;
}

TEST(TxnLog, KeyIsVersionZeroThenTheId) {
    protocol::writer w;
    w.write_int16(0);
    w.write_int16(6);
    for (char c : std::string("my-txn"))
        w.write_int8(c);
    EXPECT_EQ(txn_key("my-txn"), w.buffer());
}

TEST(TxnLog, ValueV0IsKafkasLayout) {
    protocol::writer w;
    w.write_int16(0);      // value version
    w.write_int64(4000);   // producer id
    w.write_int16(2);      // epoch
    w.write_int32(60000);  // timeout
    w.write_int8(1);       // Ongoing
    w.write_int32(2);      // topics
    w.write_int16(1);
    w.write_int8('a');
    w.write_int32(2);
    w.write_int32(0);
    w.write_int32(1);
    w.write_int16(1);
    w.write_int8('b');
    w.write_int32(1);
    w.write_int32(3);
    w.write_int64(1700000000500);  // last update
    w.write_int64(1700000000000);  // start
    EXPECT_EQ(txn_value(sample(txn_state::ongoing)), w.buffer());
}

TEST(TxnLog, EmptyWritesNoPartitionList) {
    bytes v = txn_value(sample(txn_state::empty));
    // version 2 + pid 8 + epoch 2 + timeout 4 + status 1, then a null array.
    ASSERT_GT(v.size(), 21u);
    EXPECT_EQ(v[17], 0xff);
    EXPECT_EQ(v[20], 0xff);
}

TEST(TxnLog, RoundTripsEveryState) {
    for (int8_t s = 0; s <= 7; ++s) {
        txn_metadata m = sample(static_cast<txn_state>(s));
        auto decoded = decode_txn_record(make_record(txn_key(m.transactional_id), txn_value(m)));
        ASSERT_TRUE(decoded);
        ASSERT_TRUE(decoded->metadata);
        m.previous_pid = no_producer_id;  // not in v0
        EXPECT_EQ(*decoded->metadata, m) << int(s);
    }
}

TEST(TxnLog, TombstoneHasNoMetadata) {
    auto decoded = decode_txn_record(make_record(txn_key("x"), std::nullopt));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->transactional_id, "x");
    EXPECT_FALSE(decoded->metadata);
}

TEST(TxnLog, MalformedRecordsAreRefused) {
    EXPECT_FALSE(decode_txn_record(make_record(std::nullopt, txn_value(sample(txn_state::ongoing)))));
    EXPECT_FALSE(decode_txn_record(make_record(bytes{0, 1}, std::nullopt)));             // key version 1
    EXPECT_FALSE(decode_txn_record(make_record(bytes{0, 0, 0, 9, 'a'}, std::nullopt)));  // short id
    bytes value = txn_value(sample(txn_state::ongoing));
    value.pop_back();
    EXPECT_FALSE(decode_txn_record(make_record(txn_key("x"), value)));  // truncated
    bytes bad_status = txn_value(sample(txn_state::ongoing));
    bad_status[16] = 9;
    EXPECT_FALSE(decode_txn_record(make_record(txn_key("x"), bad_status)));
    bytes bad_version = txn_value(sample(txn_state::ongoing));
    bad_version[1] = 5;
    EXPECT_FALSE(decode_txn_record(make_record(txn_key("x"), bad_version)));
}

TEST(TxnLog, PartitionIsTheGroupHash) {
    for (std::string id : {"", "a", "my-txn", "transactional-producer-42"}) {
        EXPECT_EQ(partition_for_txn(id, 50), groups::partition_for_group(id, 50));
    }
}

class temp_dir : public sluice::testing::temp_dir {
public:
    temp_dir() : sluice::testing::temp_dir("sluice-txn-log-test") {}
};

TEST(TxnLog, LoadReplaysLatestAndTombstones) {
    temp_dir dir;
    log::log_config config;
    config.segment_bytes = 1024;
    protocol::error_code ec = protocol::error_code::none;
    auto log = log::partition_log::open(dir.path() / "__transaction_state-0",
                                        log::topic_partition{std::string(txn_topic_name), 0}, config, false, ec);
    ASSERT_TRUE(log);
    const int64_t now = 1700000000000;
    auto append = [&](std::vector<groups::keyed_value> records) {
        bytes batch = groups::build_offsets_batch(records, now);
        ASSERT_EQ(log->append(batch, 0, now).error, protocol::error_code::none);
    };
    txn_metadata a = sample(txn_state::ongoing);
    a.transactional_id = "a";
    txn_metadata b = sample(txn_state::empty);
    b.transactional_id = "b";
    for (int i = 0; i < 20; ++i)
        append({{txn_key("a"), txn_value(a)}});
    a.state = txn_state::prepare_commit;
    append({{txn_key("a"), txn_value(a)}, {txn_key("b"), txn_value(b)}});
    append({{bytes{0, 7}, bytes{1}}});  // malformed: skipped
    append({{txn_key("c"), txn_value(b)}});
    append({{txn_key("c"), std::nullopt}});
    loaded_txns loaded;
    EXPECT_EQ(load_txn_partition(*log, loaded), 24u);
    ASSERT_EQ(loaded.size(), 2u);
    EXPECT_EQ(loaded["a"].state, txn_state::prepare_commit);
    EXPECT_EQ(loaded["a"].partitions.size(), 3u);
    EXPECT_EQ(loaded["b"].state, txn_state::empty);
}

}  // namespace
}  // namespace sluice::broker::txn

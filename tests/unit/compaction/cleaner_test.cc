// One named test per cleaning rule (Kafka's log compaction semantics).
#include <gtest/gtest.h>

#include <tuple>

#include "log/producer_snapshot.h"

#include "compaction/selection.h"
#include "protocol/control_batch.h"
#include "log/file_util.h"
#include "unit/compaction/compaction_test_util.h"

namespace sluice::compaction {
namespace {

using namespace testing;
using protocol::compression;

class cleaner_test : public ::testing::Test {
protected:
    void SetUp() override { log_ = open_log(dir_.path(), compact_config()); }

    // a b a c b a in two closed segments, then an active segment with "a".
    void write_basic() {
        append_segment(*log_, {{"a", "a1"}, {"b", "b1"}, {"a", "a2"}}, 1000);   // 0 1 2
        append_segment(*log_, {{"c", "c1"}, {"b", "b2"}, {"a", "a3"}}, 2000);   // 3 4 5
        append(*log_, {{"a", "a4"}}, 3000);                                   // 6 (active)
    }

    temp_dir dir_;
    std::unique_ptr<log::partition_log> log_;
    log_cleaner lc_{small_cleaner_config()};
    cleaner worker_{small_cleaner_config(), nullptr};
};

TEST_F(cleaner_test, latest_value_per_key_wins) {
    write_basic();
    ASSERT_EQ(clean_once(lc_, worker_, *log_, 5000), commit_outcome::committed);
    auto latest = latest_by_key(read_all(*log_));
    EXPECT_EQ(latest["a"].second, "a4");
    EXPECT_EQ(latest["b"].second, "b2");
    EXPECT_EQ(latest["c"].second, "c1");
    // Only the latest of each key remains in the cleaned part (a3 stays until
    // a4 leaves the active segment: the dirty map only covers closed segments).
    std::vector<int64_t> offsets;
    for (const auto& r : read_all(*log_)) offsets.push_back(r.offset);
    EXPECT_EQ(offsets, (std::vector<int64_t>{3, 4, 5, 6}));
}

TEST_F(cleaner_test, offsets_are_preserved_with_gaps) {
    write_basic();
    ASSERT_EQ(clean_once(lc_, worker_, *log_, 5000), commit_outcome::committed);
    auto records = read_all(*log_);
    ASSERT_EQ(records.size(), 4u);
    EXPECT_EQ(to_string(*records[0].value), "c1");
    EXPECT_EQ(records[0].offset, 3);
    EXPECT_EQ(to_string(*records[2].value), "a3");
    EXPECT_EQ(records[2].offset, 5);
    EXPECT_EQ(log_->log_end_offset(), 7);
    EXPECT_EQ(log_->log_start_offset(), 0);
    EXPECT_EQ(lc_.checkpoint_of({"topic", 0}), 6);
}

TEST_F(cleaner_test, record_order_is_preserved) {
    for (int seg = 0; seg < 5; ++seg) {
        std::vector<kv> items;
        for (int i = 0; i < 20; ++i) items.push_back({"k" + std::to_string((seg * 7 + i) % 13), "v" + std::to_string(seg * 20 + i)});
        append_segment(*log_, items, 1000 + seg * 100);
    }
    append(*log_, {{"z", "z"}}, 9000);
    ASSERT_EQ(clean_once(lc_, worker_, *log_, 10000), commit_outcome::committed);
    auto records = read_all(*log_);
    for (size_t i = 1; i < records.size(); ++i) EXPECT_LT(records[i - 1].offset, records[i].offset);
    // Each surviving value is the one written at its offset.
    for (const auto& r : records) {
        if (to_string(*r.key) == "z") continue;
        EXPECT_EQ(to_string(*r.value), "v" + std::to_string(r.offset));
    }
    EXPECT_EQ(records.size(), 14u);  // 13 keys + z
}

TEST_F(cleaner_test, tombstone_is_kept_then_removed_after_delete_retention) {
    auto config = compact_config();
    config.delete_retention_ms = 10000;
    log_->update_config(config);
    append_segment(*log_, {{"a", "a1"}, {"b", "b1"}}, 1000);
    append_segment(*log_, {{"a", std::nullopt}}, 2000);  // tombstone at offset 2
    append(*log_, {{"c", "c1"}}, 3000);
    ASSERT_EQ(clean_once(lc_, worker_, *log_, 4000), commit_outcome::committed);
    auto latest = latest_by_key(read_all(*log_));
    ASSERT_TRUE(latest.contains("a"));
    EXPECT_EQ(latest["a"].first, 2);
    EXPECT_FALSE(latest["a"].second.has_value());  // the tombstone itself survives

    // Later: new dirty data; the tombstone's segment is now clean, but
    // delete.retention.ms has not passed: still there.
    log_->roll(5000);
    append_segment(*log_, {{"d", "d1"}}, 5000);
    append(*log_, {{"e", "e1"}}, 5100);
    ASSERT_EQ(clean_once(lc_, worker_, *log_, 6000), commit_outcome::committed);
    EXPECT_TRUE(latest_by_key(read_all(*log_)).contains("a"));

    // After delete.retention.ms: gone, the other keys stay.
    log_->roll(20000);
    append_segment(*log_, {{"f", "f1"}}, 20000);
    append(*log_, {{"g", "g1"}}, 20100);
    ASSERT_EQ(clean_once(lc_, worker_, *log_, 20000 + 10000), commit_outcome::committed);
    latest = latest_by_key(read_all(*log_));
    EXPECT_FALSE(latest.contains("a"));
    EXPECT_EQ(latest["b"].second, "b1");
    EXPECT_EQ(latest["d"].second, "d1");
}

TEST_F(cleaner_test, min_compaction_lag_protects_young_records) {
    auto config = compact_config();
    config.min_compaction_lag_ms = 5000;
    log_->update_config(config);
    append_segment(*log_, {{"a", "a1"}}, 1000);   // old
    append_segment(*log_, {{"a", "a2"}}, 9000);   // young at now=10000
    append(*log_, {{"x", "x"}}, 9500);
    // Only the first segment is cleanable; "a2" is not mapped, so a1 stays.
    auto s = measure(*log_, 0, 10000);
    EXPECT_EQ(s.first_uncleanable_offset, 1);
    ASSERT_EQ(clean_once(lc_, worker_, *log_, 10000), commit_outcome::committed);
    EXPECT_EQ(read_all(*log_).size(), 3u);
    // Once old enough, a1 goes.
    ASSERT_EQ(clean_once(lc_, worker_, *log_, 20000), commit_outcome::committed);
    auto records = read_all(*log_);
    ASSERT_EQ(records.size(), 2u);
    EXPECT_EQ(to_string(*records[0].value), "a2");
}

TEST_F(cleaner_test, max_compaction_lag_forces_cleaning_below_dirty_ratio) {
    auto config = compact_config();
    config.min_cleanable_dirty_ratio = 0.99;
    config.max_compaction_lag_ms = 60000;
    log_->update_config(config);
    // A large clean section: clean it once with ratio 0, then raise the ratio.
    std::vector<kv> many;
    for (int i = 0; i < 50; ++i) many.push_back({"k" + std::to_string(i), std::string(50, 'v')});
    auto low = config;
    low.min_cleanable_dirty_ratio = 0;
    log_->update_config(low);
    append_segment(*log_, many, 1000);
    append(*log_, {{"x", "x"}}, 1500);
    ASSERT_EQ(clean_once(lc_, worker_, *log_, 2000), commit_outcome::committed);
    log_->update_config(config);
    log_->roll(3000);
    append_segment(*log_, {{"k1", "new"}}, 3000);
    append(*log_, {{"y", "y"}}, 3500);
    EXPECT_FALSE(clean_once(lc_, worker_, *log_, 4000).has_value());  // ratio too low, lag not reached
    ASSERT_EQ(clean_once(lc_, worker_, *log_, 3000 + 60001), commit_outcome::committed);
    EXPECT_EQ(latest_by_key(read_all(*log_))["k1"].second, "new");
}

TEST_F(cleaner_test, dirty_ratio_threshold_chooses_or_skips) {
    auto config = compact_config();
    config.min_cleanable_dirty_ratio = 0.5;
    log_->update_config(config);
    std::vector<kv> many;
    for (int i = 0; i < 40; ++i) many.push_back({"k" + std::to_string(i), std::string(40, 'v')});
    append_segment(*log_, many, 1000);
    append(*log_, {{"x", "x"}}, 1500);
    auto s = measure(*log_, 0, 2000);
    EXPECT_DOUBLE_EQ(s.dirty_ratio, 1.0);
    ASSERT_EQ(clean_once(lc_, worker_, *log_, 2000), commit_outcome::committed);
    log_->roll(2500);
    append_segment(*log_, {{"k1", "n"}}, 3000);  // a small dirty section
    append(*log_, {{"y", "y"}}, 3500);
    s = measure(*log_, *lc_.checkpoint_of({"topic", 0}), 4000);
    EXPECT_GT(s.dirty_ratio, 0.0);
    EXPECT_LT(s.dirty_ratio, 0.5);
    EXPECT_FALSE(s.should_clean);
    EXPECT_FALSE(clean_once(lc_, worker_, *log_, 4000).has_value());
    config.min_cleanable_dirty_ratio = s.dirty_ratio;  // threshold reached exactly
    log_->update_config(config);
    EXPECT_EQ(clean_once(lc_, worker_, *log_, 4000), commit_outcome::committed);
}

TEST_F(cleaner_test, multi_pass_with_a_tiny_map) {
    // Room for 9 keys per pass (10 slots at load factor 0.9).
    auto cfg = small_cleaner_config(10 * key_map::entry_size);
    cleaner tiny(cfg, nullptr);
    for (int seg = 0; seg < 4; ++seg) {
        std::vector<kv> items;
        for (int i = 0; i < 10; ++i) items.push_back({"k" + std::to_string(i), "s" + std::to_string(seg)});
        append_segment(*log_, items, 1000 + seg);
    }
    append(*log_, {{"x", "x"}}, 2000);
    int passes = 0;
    while (auto outcome = clean_once(lc_, tiny, *log_, 5000)) {
        ASSERT_EQ(*outcome, commit_outcome::committed);
        EXPECT_LE(tiny.map().size(), 9u);
        ++passes;
        ASSERT_LT(passes, 20);
    }
    EXPECT_GE(passes, 4);
    auto records = read_all(*log_);
    auto latest = latest_by_key(records);
    for (int i = 0; i < 10; ++i) EXPECT_EQ(latest["k" + std::to_string(i)].second, "s3");
    EXPECT_EQ(records.size(), 11u);
}

TEST_F(cleaner_test, mixed_codecs_are_recompressed_with_their_codec) {
    const compression codecs[] = {compression::none, compression::gzip, compression::snappy, compression::lz4,
                                  compression::zstd};
    int64_t ts = 1000;
    for (compression codec : codecs) {
        append_segment(*log_, {{"a", "old"}, {"b-" + std::to_string(int(codec)), "keep"}}, ts, codec);
        ts += 100;
    }
    append_segment(*log_, {{"a", "new"}}, ts);
    append(*log_, {{"x", "x"}}, ts + 1);
    ASSERT_EQ(clean_once(lc_, worker_, *log_, ts + 1000), commit_outcome::committed);
    auto headers = read_headers(*log_);
    ASSERT_EQ(headers.size(), 7u);
    for (size_t i = 0; i < 5; ++i) {
        EXPECT_EQ(headers[i].codec(), codecs[i]) << i;
        EXPECT_EQ(headers[i].record_count, 1) << i;
        EXPECT_EQ(headers[i].last_offset_delta, 1) << i;  // the original last offset stays
    }
    auto latest = latest_by_key(read_all(*log_));
    EXPECT_EQ(latest.size(), 7u);
    EXPECT_EQ(latest["a"].second, "new");
}

TEST_F(cleaner_test, headers_and_timestamps_are_preserved) {
    append(*log_, {{"a", "a1"}, {"b", "b1"}, {"a", "a2"}}, 7000, compression::lz4, true);
    log_->roll(7000);
    append(*log_, {{"x", "x"}}, 8000);
    auto before = read_all(*log_);
    ASSERT_EQ(clean_once(lc_, worker_, *log_, 9000), commit_outcome::committed);
    auto after = read_all(*log_);
    ASSERT_EQ(after.size(), 3u);
    EXPECT_EQ(after[0].offset, 1);
    EXPECT_EQ(after[0].timestamp, before[1].timestamp);
    EXPECT_EQ(after[0].headers, before[1].headers);
    EXPECT_EQ(after[1].timestamp, before[2].timestamp);
    EXPECT_EQ(after[1].headers, before[2].headers);
    auto headers = read_headers(*log_);
    EXPECT_EQ(headers[0].max_timestamp, 7002);
    EXPECT_EQ(headers[0].base_timestamp, 7000);
}

TEST_F(cleaner_test, active_segment_is_untouched) {
    append_segment(*log_, {{"a", "a1"}}, 1000);
    append(*log_, {{"a", "a2"}, {"a", "a3"}}, 2000);  // active: duplicates stay
    auto active = log_->segments().back();
    uint64_t active_size = active->size();
    ASSERT_EQ(clean_once(lc_, worker_, *log_, 3000), commit_outcome::committed);
    EXPECT_EQ(log_->segments().back(), active);
    EXPECT_EQ(active->size(), active_size);
    auto records = read_all(*log_);
    ASSERT_EQ(records.size(), 3u);  // a1 stays too: only closed segments are mapped
}

TEST_F(cleaner_test, small_cleaned_segments_are_merged) {
    for (int seg = 0; seg < 6; ++seg) append_segment(*log_, {{"k", "v" + std::to_string(seg)}, {"u" + std::to_string(seg), "u"}}, 1000 + seg);
    append(*log_, {{"x", "x"}}, 2000);
    EXPECT_EQ(log_->segment_count(), 7u);
    ASSERT_EQ(clean_once(lc_, worker_, *log_, 3000), commit_outcome::committed);
    EXPECT_EQ(log_->segment_count(), 2u);
    EXPECT_EQ(log_->segments()[0]->base_offset(), 0);
    EXPECT_EQ(log_->segments()[0]->next_offset(), 12);
}

TEST_F(cleaner_test, reads_after_swap_and_reopen_return_cleaned_data) {
    write_basic();
    ASSERT_EQ(clean_once(lc_, worker_, *log_, 5000), commit_outcome::committed);
    auto expected = read_all(*log_);
    EXPECT_EQ(log_->read(0, 1 << 20, log_->log_end_offset()).error, protocol::error_code::none);
    EXPECT_EQ(log_->read(1, 1 << 20, log_->log_end_offset()).error, protocol::error_code::none);
    log_->close();
    log_.reset();
    for (bool clean : {true, false}) {
        auto reopened = open_log(dir_.path(), compact_config(), clean);
        auto records = read_all(*reopened);
        ASSERT_EQ(records.size(), expected.size());
        for (size_t i = 0; i < records.size(); ++i) EXPECT_EQ(records[i].offset, expected[i].offset);
    }
    EXPECT_EQ(count_files_with(dir_.path() / "topic-0", ".cleaned"), 0u);
    EXPECT_EQ(count_files_with(dir_.path() / "topic-0", ".swap"), 0u);
}

TEST_F(cleaner_test, stale_task_after_truncation_is_abandoned) {
    write_basic();
    auto task = lc_.plan(*log_, 5000);
    ASSERT_TRUE(task.has_value());
    EXPECT_FALSE(lc_.plan(*log_, 5000).has_value());  // one cleaning in flight per partition
    auto result = worker_.run(*task);
    log_->truncate_to(4);  // replication cut the log meanwhile (back to offset 3)
    EXPECT_EQ(lc_.commit(*log_, result, 5000), commit_outcome::stale);
    EXPECT_EQ(count_files_with(log_->dir(), ".cleaned"), 0u);
    EXPECT_EQ(read_all(*log_).size(), 3u);
}

TEST_F(cleaner_test, checkpoint_survives_restart) {
    write_basic();
    ASSERT_EQ(clean_once(lc_, worker_, *log_, 5000), commit_outcome::committed);
    ASSERT_TRUE(lc_.write_checkpoints());
    log_cleaner restarted(small_cleaner_config());
    restarted.load_checkpoint(dir_.path());
    EXPECT_EQ(restarted.checkpoint_of({"topic", 0}), 6);
    std::string text;
    ASSERT_TRUE(log::file_util::read_small_file(dir_.path() / "cleaner-offset-checkpoint", text));
    EXPECT_EQ(text, "0\n1\ntopic 0 6\n");
}

// Transactions, as Kafka's cleaner treats them: aborted data goes in the
// first pass (and never hides an older committed value), a marker goes after
// delete.retention.ms in a pass that sees no data of its transaction.
class cleaner_txn_test : public cleaner_test {
protected:
    void txn(int64_t pid, int32_t seq, const std::vector<kv>& items, int64_t timestamp) {
        std::vector<protocol::record> records;
        for (size_t i = 0; i < items.size(); ++i) {
            protocol::record r;
            r.offset = static_cast<int64_t>(i);
            r.timestamp = timestamp;
            r.key = to_bytes(items[i].key);
            r.value = to_bytes(*items[i].value);
            records.push_back(std::move(r));
        }
        protocol::batch_builder_options o;
        o.producer_id = pid;
        o.producer_epoch = 0;
        o.base_sequence = seq;
        o.transactional = true;
        auto batch = protocol::build_batch(records, o);
        ASSERT_EQ(log_->append(batch, 0, timestamp).error, protocol::error_code::none);
    }
    void end(int64_t pid, protocol::marker_type type, int64_t timestamp) {
        ASSERT_EQ(log_->append_marker(protocol::producer_id{pid}, protocol::producer_epoch{0}, {type, 0}, 0, timestamp)
                      .error,
                  protocol::error_code::none);
        log_->set_high_watermark(log_->log_end_offset());
    }
    std::vector<int64_t> control_offsets() {
        std::vector<int64_t> out;
        for (const auto& h : read_headers(*log_)) {
            if (h.is_control()) out.push_back(h.base_offset);
        }
        return out;
    }
    // Offsets of the records kept (an emptied batch has none).
    std::vector<int64_t> data_offsets() {
        std::vector<int64_t> out;
        for (const auto& h : read_headers(*log_)) {
            if (h.is_control() || h.record_count == 0) continue;
            for (int64_t o = h.base_offset; o <= h.last_offset(); ++o) out.push_back(o);
        }
        return out;
    }
    // (base offset, producer id, base sequence) of the emptied batches kept.
    std::vector<std::tuple<int64_t, int64_t, int32_t>> empty_batches() {
        std::vector<std::tuple<int64_t, int64_t, int32_t>> out;
        for (const auto& h : read_headers(*log_)) {
            if (!h.is_control() && h.record_count == 0) out.emplace_back(h.base_offset, h.producer_id, h.base_sequence);
        }
        return out;
    }
};

TEST_F(cleaner_txn_test, aborted_data_goes_first_markers_after_delete_retention) {
    auto config = compact_config();
    config.delete_retention_ms = 10000;
    log_->update_config(config);
    append(*log_, {{"a", "a0"}}, 1000);                    // 0
    txn(7, 0, {{"a", "a1"}, {"b", "b1"}}, 1000);           // 1 2 aborted
    txn(8, 0, {{"c", "c1"}}, 1000);                        // 3 committed
    end(7, protocol::marker_type::abort, 1000);            // 4
    end(8, protocol::marker_type::commit, 1000);           // 5
    ASSERT_TRUE(log_->roll(1000));
    append(*log_, {{"z", "z"}}, 2000);                     // 6 (active)
    ASSERT_EQ(clean_once(lc_, worker_, *log_, 3000), commit_outcome::committed);
    EXPECT_EQ(data_offsets(), (std::vector<int64_t>{0, 3, 6}));  // a0 is back on top of "a"
    EXPECT_EQ(control_offsets(), (std::vector<int64_t>{4, 5}));  // markers stay this pass
    // Producer 7's aborted batch was its last: it stays, emptied, so its
    // sequence outlives the cleaning.
    EXPECT_EQ(empty_batches(), (std::vector<std::tuple<int64_t, int64_t, int32_t>>{{1, 7, 0}}));

    // Past delete.retention.ms, while producer 7 is known its emptied batch
    // stays and with it its ABORT marker (as Kafka's cleaner keeps a marker
    // while it sees a batch of the aborted transaction).
    log_->roll(30000);
    append_segment(*log_, {{"d", "d1"}}, 30000);
    append(*log_, {{"e", "e1"}}, 30100);
    ASSERT_EQ(clean_once(lc_, worker_, *log_, 30000), commit_outcome::committed);
    EXPECT_EQ(control_offsets(), (std::vector<int64_t>{4, 5}));
    EXPECT_EQ(data_offsets(), (std::vector<int64_t>{0, 3, 6, 7, 8}));

    // Once the producers expire, the emptied batch goes, then the ABORT
    // marker whose data is gone; the COMMIT marker's record is still there,
    // so it stays.
    log_->expire_producers(100000, 1000);
    for (int64_t t : {40000, 200000}) {
        log_->roll(t);
        append_segment(*log_, {{"f", "f"}}, t);
        append(*log_, {{"g", "g"}}, t + 100);
        ASSERT_EQ(clean_once(lc_, worker_, *log_, t), commit_outcome::committed);
    }
    EXPECT_EQ(control_offsets(), (std::vector<int64_t>{5}));
    EXPECT_TRUE(empty_batches().empty());
}

TEST_F(cleaner_txn_test, each_producers_last_batch_stays_so_recovery_still_knows_its_sequence) {
    // Two idempotent batches of producer 9, both overwritten by a later
    // plain record: the first goes, the last stays with no records.
    auto idempotent = [&](int32_t seq, const std::string& key, int64_t timestamp) {
        protocol::record r;
        r.timestamp = timestamp;
        r.key = to_bytes(key);
        r.value = to_bytes("v");
        protocol::batch_builder_options o;
        o.producer_id = 9;
        o.producer_epoch = 0;
        o.base_sequence = seq;
        auto batch = protocol::build_batch({r}, o);
        ASSERT_EQ(log_->append(batch, 0, timestamp).error, protocol::error_code::none);
    };
    idempotent(0, "a", 1000);        // 0
    idempotent(1, "b", 1000);        // 1
    append(*log_, {{"a", "a2"}, {"b", "b2"}}, 1000);  // 2 3
    ASSERT_TRUE(log_->roll(1000));
    append(*log_, {{"z", "z"}}, 2000);  // 4 (active)
    ASSERT_EQ(clean_once(lc_, worker_, *log_, 3000), commit_outcome::committed);
    EXPECT_EQ(data_offsets(), (std::vector<int64_t>{2, 3, 4}));
    EXPECT_EQ(empty_batches(), (std::vector<std::tuple<int64_t, int64_t, int32_t>>{{1, 9, 1}}));
    // Recovery from the log alone (no snapshot) still knows where 9 left
    // off, so a retry of its sequence 1 would be a duplicate, not new.
    log_->close();
    log_.reset();
    for (int64_t offset : log::producer_snapshot::list(dir_.path() / "topic-0")) {
        std::filesystem::remove(log::producer_snapshot::path_for(dir_.path() / "topic-0", offset));
    }
    log_ = open_log(dir_.path(), compact_config(), false);
    const auto* entry = log_->producers().find(protocol::producer_id{9});
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(entry->last_sequence(), 1);
    EXPECT_EQ(entry->last_offset(), 1);
}

TEST_F(cleaner_txn_test, cleaning_stops_below_an_open_transaction) {
    append_segment(*log_, {{"a", "a1"}}, 1000);   // 0
    txn(7, 0, {{"a", "a2"}}, 1000);               // 1: open
    ASSERT_TRUE(log_->roll(1000));
    append_segment(*log_, {{"a", "a3"}}, 1000);   // 2
    append(*log_, {{"z", "z"}}, 2000);            // 3 (active)
    EXPECT_EQ(log_->last_stable_offset(), 1);
    EXPECT_EQ(measure(*log_, 0, 3000).first_uncleanable_offset, 1);
    ASSERT_EQ(clean_once(lc_, worker_, *log_, 3000), commit_outcome::committed);
    EXPECT_EQ(data_offsets(), (std::vector<int64_t>{0, 1, 2, 3}));  // a3 was not allowed to shadow a1
}

}  // namespace
}  // namespace sluice::compaction

// Transactions in a partition log: markers, the last stable offset, the
// aborted-transaction index (Kafka's .txnindex) across restarts, followers
// and truncation.
#include <gtest/gtest.h>

#include "log/partition_log.h"
#include "log/transaction_index.h"
#include "log_test_util.h"
#include "protocol/control_batch.h"

namespace sluice::log {
namespace {

using protocol::error_code;
using protocol::marker_type;
using protocol::producer_epoch;
using protocol::producer_id;
using namespace testing;

protocol::bytes txn_batch(int64_t pid, int16_t epoch, int32_t seq, int count, bool transactional = true) {
    return make_producer_batch(pid, epoch, seq, count, transactional);
}

append_result end_txn(partition_log& log, int64_t pid, int16_t epoch, marker_type type, int32_t coordinator_epoch = 0) {
    return log.append_marker(producer_id{pid}, producer_epoch{epoch}, {type, coordinator_epoch}, 0, 7000);
}

void commit_all(partition_log& log) { log.set_high_watermark(log.log_end_offset()); }

TEST(transaction_log, the_last_stable_offset_waits_for_open_and_unreplicated_transactions) {
    temp_dir dir;
    auto log = open_log(dir.path() / "t-0", log_config{}, true);
    ASSERT_EQ(append_copy(*log, make_batch(2, 1000), 6000).error, error_code::none);    // 0-1 plain
    ASSERT_EQ(append_copy(*log, txn_batch(7, 0, 0, 3), 6000).error, error_code::none);  // 2-4 txn of 7
    ASSERT_EQ(append_copy(*log, txn_batch(8, 0, 0, 1), 6000).error, error_code::none);  // 5 txn of 8
    commit_all(*log);
    EXPECT_EQ(log->last_stable_offset(), 2);
    auto marker = end_txn(*log, 7, 0, marker_type::commit);
    ASSERT_EQ(marker.error, error_code::none);
    EXPECT_EQ(marker.base_offset, 6);
    EXPECT_EQ(log->last_stable_offset(), 2);  // the marker is not below the high watermark yet
    commit_all(*log);
    EXPECT_EQ(log->last_stable_offset(), 5);  // 8's transaction is still open
    ASSERT_EQ(end_txn(*log, 8, 0, marker_type::abort).error, error_code::none);
    commit_all(*log);
    EXPECT_EQ(log->last_stable_offset(), log->high_watermark());
    EXPECT_EQ(log->aborted_transactions(0, 100), (std::vector<aborted_txn>{{8, 5, 7, 8}}));
    EXPECT_TRUE(log->aborted_transactions(8, 100).empty());  // the marker is before the fetch
    EXPECT_TRUE(log->aborted_transactions(0, 5).empty());    // the data is after it
}

TEST(transaction_log, kafkas_transaction_rules) {
    temp_dir dir;
    auto log = open_log(dir.path() / "t-0", log_config{}, true);
    ASSERT_EQ(append_copy(*log, txn_batch(7, 3, 0, 2), 6000).error, error_code::none);
    // Inside its transaction a producer may not write plain batches.
    EXPECT_EQ(append_copy(*log, txn_batch(7, 3, 2, 1, false), 6000).error, error_code::invalid_txn_state);
    EXPECT_EQ(end_txn(*log, 7, 2, marker_type::commit).error, error_code::invalid_producer_epoch);
    ASSERT_EQ(end_txn(*log, 7, 3, marker_type::commit, 5).error, error_code::none);
    EXPECT_EQ(end_txn(*log, 7, 3, marker_type::abort, 4).error, error_code::transaction_coordinator_fenced);
    const int64_t end = log->log_end_offset();
    EXPECT_EQ(end, 3);  // nothing refused was written
    // A marker without a transaction (an empty one) is accepted, ending nothing but itself.
    ASSERT_EQ(end_txn(*log, 9, 0, marker_type::abort).error, error_code::none);
    commit_all(*log);
    EXPECT_EQ(log->aborted_transactions(0, 100), (std::vector<aborted_txn>{{9, 3, 3, 4}}));
    // The next transaction of 7 starts at its next sequence.
    EXPECT_EQ(append_copy(*log, txn_batch(7, 3, 2, 1), 6000).error, error_code::none);
}

TEST(transaction_log, a_verification_guard_lapses_when_a_marker_ends_the_producers_transaction) {
    temp_dir dir;
    auto log = open_log(dir.path() / "t-0", log_config{}, true);
    // Two requests verifying at once share the guard; a marker of another
    // producer leaves it alone.
    uint64_t guard = log->begin_txn_verification(producer_id{7}, 1000);
    EXPECT_EQ(log->begin_txn_verification(producer_id{7}, 1001), guard);
    ASSERT_EQ(append_copy(*log, txn_batch(8, 0, 0, 1), 6000).error, error_code::none);
    ASSERT_EQ(end_txn(*log, 8, 0, marker_type::abort).error, error_code::none);
    EXPECT_TRUE(log->producers().verification_holds(producer_id{7}, guard));
    EXPECT_FALSE(log->producers().verification_holds(producer_id{8}, guard));
    // 7's transaction is aborted while its verification is in flight: the
    // guard lapses, and the late batch must not open a transaction.
    ASSERT_EQ(end_txn(*log, 7, 0, marker_type::abort).error, error_code::none);
    EXPECT_FALSE(log->producers().verification_holds(producer_id{7}, guard));
    // A new verification takes a new guard; the batch that opens the
    // transaction retires it (no more verification while it is open).
    uint64_t next = log->begin_txn_verification(producer_id{7}, 2000);
    EXPECT_NE(next, guard);
    ASSERT_EQ(append_copy(*log, txn_batch(7, 0, 0, 2), 6000).error, error_code::none);
    EXPECT_FALSE(log->producers().verification_holds(producer_id{7}, next));
    // Guards older than the producer expiration are dropped.
    uint64_t old = log->begin_txn_verification(producer_id{9}, 1000);
    log->expire_producers(1000 + 500, 1000);
    EXPECT_TRUE(log->producers().verification_holds(producer_id{9}, old));
    log->expire_producers(1000 + 1000, 1000);
    EXPECT_FALSE(log->producers().verification_holds(producer_id{9}, old));
}

TEST(transaction_log, the_aborted_index_is_kafkas_file_and_survives_restarts) {
    temp_dir dir;
    const auto path = dir.path() / "t-0";
    {
        auto log = open_log(path, small_config(), true);
        for (int i = 0; i < 60; ++i) {
            ASSERT_EQ(append_copy(*log, txn_batch(7, 0, i * 2, 2), 6000).error, error_code::none);
            ASSERT_EQ(end_txn(*log, 7, 0, i % 3 == 0 ? marker_type::abort : marker_type::commit).error,
                      error_code::none);
        }
        ASSERT_EQ(append_copy(*log, txn_batch(8, 0, 0, 2), 6000).error, error_code::none);  // left open
        ASSERT_GT(log->segment_count(), 2u);
        commit_all(*log);
        EXPECT_EQ(log->aborted_transactions(0, INT64_MAX).size(), 20u);
        log->close();
    }
    auto files = transaction_index::list(path);
    ASSERT_FALSE(files.empty());
    size_t on_disk = 0;
    for (int64_t base : files) {
        EXPECT_EQ(std::filesystem::file_size(transaction_index::path_for(path, base)) % 34, 0u);
        on_disk += transaction_index::read(transaction_index::path_for(path, base))->size();
    }
    EXPECT_EQ(on_disk, 20u);
    std::vector<aborted_txn> before;
    {
        auto log = open_log(path, small_config(), true);
        commit_all(*log);
        before = log->aborted_transactions(0, INT64_MAX);
        EXPECT_EQ(before.size(), 20u);
        EXPECT_EQ(log->last_stable_offset(), 180);  // 8's open transaction
        ASSERT_EQ(end_txn(*log, 8, 0, marker_type::abort).error, error_code::none);
        // No close: a kill -9.
    }
    auto log = open_log(path, small_config(), false);
    commit_all(*log);
    auto after = log->aborted_transactions(0, INT64_MAX);
    ASSERT_EQ(after.size(), 21u);
    EXPECT_TRUE(std::equal(before.begin(), before.end(), after.begin()));
    EXPECT_EQ(after.back(), (aborted_txn{8, 180, 182, 183}));
    EXPECT_EQ(log->last_stable_offset(), log->high_watermark());
    on_disk = 0;
    for (int64_t base : transaction_index::list(path)) {
        on_disk += transaction_index::read(transaction_index::path_for(path, base))->size();
    }
    EXPECT_EQ(on_disk, 21u);  // rebuilt entries were not written twice
}

TEST(transaction_log, followers_and_truncation_agree_with_the_markers_they_hold) {
    temp_dir dir;
    auto leader = open_log(dir.path() / "l-0", log_config{}, true);
    auto follower = open_log(dir.path() / "f-0", log_config{}, true);
    ASSERT_EQ(append_copy(*leader, txn_batch(7, 0, 0, 2), 6000).error, error_code::none);
    ASSERT_EQ(end_txn(*leader, 7, 0, marker_type::abort).error, error_code::none);
    ASSERT_EQ(append_copy(*leader, txn_batch(7, 0, 2, 2), 6000).error, error_code::none);
    auto read = leader->read(0, 1 << 20, INT64_MAX);
    auto bytes = slice_bytes(read);
    ASSERT_EQ(follower->append_as_follower(bytes, 6000).error, error_code::none);
    commit_all(*follower);
    EXPECT_EQ(follower->aborted_transactions(0, 100), (std::vector<aborted_txn>{{7, 0, 2, 3}}));
    EXPECT_EQ(follower->last_stable_offset(), 3);  // the second transaction is open

    // Cut back to before the marker: the first transaction is open again.
    auto t = follower->truncate_to(2);
    for (const auto& f : t.deleted_files) std::filesystem::remove(f);
    commit_all(*follower);
    EXPECT_TRUE(follower->aborted_transactions(0, 100).empty());
    EXPECT_EQ(follower->last_stable_offset(), 0);
    EXPECT_TRUE(transaction_index::list(follower->dir()).empty());
}

TEST(control_batch, markers_round_trip_in_kafkas_layout) {
    auto batch = protocol::build_marker_batch(7, 3, {marker_type::commit, 12}, 5000);
    auto header = protocol::read_batch_header(batch);
    ASSERT_TRUE(header);
    EXPECT_TRUE(header->is_control());
    EXPECT_TRUE(header->is_transactional());
    EXPECT_EQ(header->base_sequence, -1);
    EXPECT_EQ(protocol::check_batch_crc(batch), error_code::none);
    auto marker = protocol::read_marker(batch);
    ASSERT_TRUE(marker);
    EXPECT_EQ(marker->type, marker_type::commit);
    EXPECT_EQ(marker->coordinator_epoch, 12);
    EXPECT_FALSE(protocol::read_marker(make_batch(1, 1000)));
}

}  // namespace
}  // namespace sluice::log

// partition_follower_log over a real partition_log: the leader's batches kept
// byte for byte, truncation, Kafka's endOffsetFor answers, the log start
// following the leader, a deleted partition, a cut refused during a cleaner
// swap, and a first batch straddling the log end.
#include "broker/replica/partition_follower_log.h"

#include <gtest/gtest.h>

#include "unit/broker/replica/replica_test_util.h"
#include "unit/replication/memory_follower_log.h"

namespace sluice::broker::replica {
namespace {

using protocol::error_code;
using protocol::leader_epoch;
using protocol::offset;
using replication::epoch_end_offset;
using replication::testing::make_epoch_batch;
using testing::bytes_of;
using testing::concat;

class PartitionFollowerLogTest : public ::testing::Test {
protected:
    std::shared_ptr<partition_follower_log> adapt(log::partition_log& log) {
        partition_follower_log::hooks h;
        h.now_ms = [] { return int64_t{5000}; };
        h.appended = [this](log::partition_log&) { ++appended_; };
        h.offsets_moved = [this](log::partition_log&) { ++moved_; };
        h.truncated = [this](log::partition_log&, std::vector<std::filesystem::path> files) {
            ++truncated_;
            for (const auto& f : files)
                std::filesystem::remove(f);
        };
        return std::make_shared<partition_follower_log>(log, dirs_.lookup(), std::move(h));
    }

    testing::log_dir dirs_;
    int appended_ = 0;
    int moved_ = 0;
    int truncated_ = 0;
};

TEST_F(PartitionFollowerLogTest, append_keeps_the_leaders_bytes_offsets_and_epochs) {
    auto& log = dirs_.open(0);
    auto f = adapt(log);
    EXPECT_EQ(f->latest_epoch(), std::nullopt);
    protocol::bytes b0 = make_epoch_batch(0, 3, 1, 'L');
    protocol::bytes b1 = make_epoch_batch(3, 2, 1, 'L');
    protocol::bytes b2 = make_epoch_batch(5, 4, 3, 'L');
    protocol::bytes all = concat({b0, b1, b2});
    // A fetch may end inside a batch: only the whole ones go in.
    protocol::bytes with_partial = concat({all, protocol::bytes_view(b0).first(20)});
    ASSERT_EQ(f->append_as_is(with_partial), error_code::none);
    EXPECT_EQ(f->log_end_offset(), offset(9));
    EXPECT_EQ(bytes_of(log), all);
    EXPECT_EQ(f->latest_epoch(), leader_epoch(3));
    EXPECT_EQ(log.leader_epochs().entries(), (std::vector<log::epoch_entry>{{1, 0}, {3, 5}}));
    EXPECT_EQ(appended_, 1);
    // The high watermark waits for the leader's.
    EXPECT_EQ(f->high_watermark(), offset(0));
    f->set_high_watermark(offset(7));
    EXPECT_EQ(log.high_watermark(), 7);
    EXPECT_EQ(f->high_watermark(), offset(7));
    EXPECT_EQ(moved_, 1);
    // Not at the log end: refused, nothing changed, nothing announced.
    EXPECT_EQ(f->append_as_is(make_epoch_batch(4, 2, 3, 'L')), error_code::offset_out_of_range);
    EXPECT_EQ(bytes_of(log), all);
    EXPECT_EQ(appended_, 1);
}

TEST_F(PartitionFollowerLogTest, end_offset_for_answers_as_kafkas_epoch_cache) {
    auto& log = dirs_.open(0);
    auto f = adapt(log);
    // Nothing known: undefined for every epoch.
    EXPECT_TRUE(f->end_offset_for(leader_epoch(0)).undefined());
    EXPECT_TRUE(f->end_offset_for(leader_epoch(5)).undefined());
    // Epochs 1 @ 0, 3 @ 5, 4 @ 9; log end 12.
    ASSERT_EQ(f->append_as_is(concat(
                  {make_epoch_batch(0, 5, 1, 'L'), make_epoch_batch(5, 4, 3, 'L'), make_epoch_batch(9, 3, 4, 'L')})),
              error_code::none);
    EXPECT_EQ(f->end_offset_for(leader_epoch(0)), (epoch_end_offset{leader_epoch(0), offset(0)}));  // older than all
    EXPECT_EQ(f->end_offset_for(leader_epoch(1)), (epoch_end_offset{leader_epoch(1), offset(5)}));
    EXPECT_EQ(f->end_offset_for(leader_epoch(2)), (epoch_end_offset{leader_epoch(1), offset(5)}));  // a gap
    EXPECT_EQ(f->end_offset_for(leader_epoch(3)), (epoch_end_offset{leader_epoch(3), offset(9)}));
    EXPECT_EQ(f->end_offset_for(leader_epoch(4)), (epoch_end_offset{leader_epoch(4), offset(12)}));  // latest: log end
    EXPECT_TRUE(f->end_offset_for(leader_epoch(5)).undefined());                                     // newer than all
    EXPECT_TRUE(f->end_offset_for(leader_epoch(-1)).undefined());
    // The log start moving into epoch 3 moves that epoch's start.
    f->set_high_watermark(offset(12));
    f->advance_log_start(offset(6));
    EXPECT_EQ(f->log_start_offset(), offset(6));
    EXPECT_EQ(log.leader_epochs().entries(), (std::vector<log::epoch_entry>{{3, 6}, {4, 9}}));
    EXPECT_EQ(f->end_offset_for(leader_epoch(1)), (epoch_end_offset{leader_epoch(1), offset(6)}));
    EXPECT_EQ(moved_, 2);
}

TEST_F(PartitionFollowerLogTest, truncate_to_drops_batches_epochs_and_high_watermark) {
    log::log_config small;
    small.segment_bytes = 200;  // about one batch per segment: truncation drops files
    auto& log = dirs_.open(0, small);
    auto f = adapt(log);
    protocol::bytes b0 = make_epoch_batch(0, 3, 1, 'L');
    protocol::bytes b1 = make_epoch_batch(3, 2, 2, 'L');
    protocol::bytes b2 = make_epoch_batch(5, 4, 3, 'L');
    ASSERT_EQ(f->append_as_is(concat({b0, b1, b2})), error_code::none);
    ASSERT_GT(log.segment_count(), 1u);
    f->set_high_watermark(offset(9));
    f->truncate_to(offset(20));  // past the end: nothing
    EXPECT_EQ(f->log_end_offset(), offset(9));
    EXPECT_EQ(truncated_, 0);
    f->truncate_to(offset(3));
    EXPECT_EQ(truncated_, 1);
    EXPECT_EQ(f->log_end_offset(), offset(3));
    EXPECT_EQ(f->high_watermark(), offset(3));
    EXPECT_EQ(f->latest_epoch(), leader_epoch(1));
    EXPECT_EQ(bytes_of(log), b0);
    // The follower goes on from there with the new leader's records.
    protocol::bytes other = make_epoch_batch(3, 6, 4, 'N');
    ASSERT_EQ(f->append_as_is(other), error_code::none);
    EXPECT_EQ(bytes_of(log), concat({b0, other}));
    EXPECT_EQ(log.leader_epochs().entries(), (std::vector<log::epoch_entry>{{1, 0}, {4, 3}}));
}

TEST_F(PartitionFollowerLogTest, truncate_fully_starts_empty_at_the_offset) {
    auto& log = dirs_.open(0);
    auto f = adapt(log);
    ASSERT_EQ(f->append_as_is(make_epoch_batch(0, 3, 1, 'L')), error_code::none);
    f->truncate_fully_and_start_at(offset(40));
    EXPECT_EQ(f->log_start_offset(), offset(40));
    EXPECT_EQ(f->log_end_offset(), offset(40));
    EXPECT_EQ(f->high_watermark(), offset(40));
    EXPECT_EQ(f->latest_epoch(), std::nullopt);
    protocol::bytes next = make_epoch_batch(40, 2, 5, 'L');
    ASSERT_EQ(f->append_as_is(next), error_code::none);
    EXPECT_EQ(bytes_of(log), next);
    EXPECT_EQ(f->latest_epoch(), leader_epoch(5));
}

// Kafka's UnexpectedAppendOffsetException case: the leader's log start
// (DeleteRecords) fell inside a batch, the follower started empty there and
// the leader serves the whole batch.
TEST_F(PartitionFollowerLogTest, first_batch_straddling_an_empty_logs_end_restarts_the_log_at_it) {
    auto& log = dirs_.open(0);
    auto f = adapt(log);
    f->truncate_fully_and_start_at(offset(15));
    protocol::bytes straddling = make_epoch_batch(10, 10, 2, 'L');
    protocol::bytes after = make_epoch_batch(20, 3, 2, 'L');
    ASSERT_EQ(f->append_as_is(concat({straddling, after})), error_code::none);
    EXPECT_EQ(f->log_start_offset(), offset(10));
    EXPECT_EQ(f->log_end_offset(), offset(23));
    EXPECT_EQ(bytes_of(log), concat({straddling, after}));
    // A log with records is not restarted: that is a real gap.
    EXPECT_EQ(f->append_as_is(make_epoch_batch(22, 3, 2, 'L')), error_code::offset_out_of_range);
    EXPECT_EQ(f->log_start_offset(), offset(10));
}

TEST_F(PartitionFollowerLogTest, batch_wholly_below_an_empty_logs_end_is_refused) {
    auto& log = dirs_.open(0);
    auto f = adapt(log);
    f->truncate_fully_and_start_at(offset(15));
    EXPECT_EQ(f->append_as_is(make_epoch_batch(10, 5, 2, 'L')), error_code::offset_out_of_range);
    EXPECT_EQ(f->log_start_offset(), offset(15));
    EXPECT_EQ(f->log_end_offset(), offset(15));
}

TEST_F(PartitionFollowerLogTest, deleted_partition_is_left_alone) {
    auto& log = dirs_.open(0);
    auto f = adapt(log);
    ASSERT_EQ(f->append_as_is(make_epoch_batch(0, 3, 1, 'L')), error_code::none);
    f->set_high_watermark(offset(2));
    dirs_.remove(0);
    EXPECT_FALSE(f->alive());
    // Reads answer the last values; changes do nothing; appends ask the
    // owner to re-read metadata.
    EXPECT_EQ(f->log_end_offset(), offset(3));
    EXPECT_EQ(f->high_watermark(), offset(2));
    EXPECT_EQ(f->latest_epoch(), std::nullopt);
    EXPECT_EQ(f->append_as_is(make_epoch_batch(3, 1, 1, 'L')), error_code::not_leader_or_follower);
    f->truncate_to(offset(0));
    f->truncate_fully_and_start_at(offset(9));
    f->set_high_watermark(offset(3));
    f->advance_log_start(offset(1));
    EXPECT_EQ(truncated_, 0);
    EXPECT_EQ(moved_, 1);
    // Re-created under the same name: a new incarnation, not ours to touch.
    auto& fresh = dirs_.open(0);
    EXPECT_FALSE(f->alive());
    EXPECT_EQ(f->append_as_is(make_epoch_batch(0, 1, 1, 'L')), error_code::not_leader_or_follower);
    EXPECT_EQ(fresh.log_end_offset(), 0);
    EXPECT_TRUE(adapt(fresh)->alive());
}

TEST_F(PartitionFollowerLogTest, cut_refused_during_a_cleaner_swap_is_done_before_the_next_append) {
    auto& log = dirs_.open(0);
    auto f = adapt(log);
    protocol::bytes b0 = make_epoch_batch(0, 5, 1, 'L');
    ASSERT_EQ(f->append_as_is(concat({b0, make_epoch_batch(5, 4, 3, 'L')})), error_code::none);
    f->set_high_watermark(offset(9));
    log.begin_segment_swap();
    f->truncate_to(offset(5));
    // The log refused, but the fetcher already sees the cut.
    EXPECT_EQ(log.log_end_offset(), 9);
    EXPECT_EQ(f->log_end_offset(), offset(5));
    EXPECT_EQ(f->high_watermark(), offset(5));
    EXPECT_EQ(f->latest_epoch(), leader_epoch(1));
    EXPECT_EQ(f->end_offset_for(leader_epoch(1)), (epoch_end_offset{leader_epoch(1), offset(5)}));
    protocol::bytes other = make_epoch_batch(5, 2, 4, 'N');
    EXPECT_EQ(f->append_as_is(other), error_code::kafka_storage_error);  // still swapping: back off
    log.end_segment_swap();
    ASSERT_EQ(f->append_as_is(other), error_code::none);
    EXPECT_EQ(bytes_of(log), concat({b0, other}));
    EXPECT_EQ(truncated_, 1);
    EXPECT_EQ(f->log_end_offset(), offset(7));
}

}  // namespace
}  // namespace sluice::broker::replica

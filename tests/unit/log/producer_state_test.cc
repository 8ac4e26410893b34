// Kafka's idempotent-producer rules (log/producer_state.h) and the producer
// state's life in a partition log: appends, followers, restarts (clean and
// not), truncation, retention and expiry.
#include "log/producer_state.h"

#include <gtest/gtest.h>

#include <climits>

#include "log/producer_snapshot.h"
#include "log_test_util.h"

namespace sluice::log {
namespace {

using protocol::error_code;
using protocol::producer_epoch;
using protocol::producer_id;
using namespace testing;

protocol::batch_header header(int64_t pid, int16_t epoch, int32_t seq, int32_t count, int64_t base_offset) {
    protocol::batch_header h;
    h.producer_id = pid;
    h.producer_epoch = epoch;
    h.base_sequence = seq;
    h.last_offset_delta = count - 1;
    h.record_count = count;
    h.base_offset = base_offset;
    h.max_timestamp = 1000 + base_offset;
    return h;
}

// Checks one client batch and applies it when accepted.
producer_state::append::outcome produce(producer_state& state, const protocol::batch_header& h) {
    producer_state::append changes(state);
    auto outcome = changes.check_client(h);
    if (outcome.error == error_code::none && !outcome.duplicate) state.commit(std::move(changes));
    return outcome;
}

TEST(producer_state, sequences_must_follow_on) {
    producer_state state;
    EXPECT_EQ(produce(state, header(7, 0, 0, 3, 0)).error, error_code::none);
    EXPECT_EQ(produce(state, header(7, 0, 3, 2, 3)).error, error_code::none);
    EXPECT_EQ(produce(state, header(7, 0, 6, 1, 5)).error, error_code::out_of_order_sequence_number);  // gap
    EXPECT_EQ(produce(state, header(7, 0, 4, 2, 5)).error, error_code::out_of_order_sequence_number);  // overlap
    EXPECT_EQ(produce(state, header(7, 0, 5, 1, 5)).error, error_code::none);
    EXPECT_EQ(state.find(producer_id{7})->last_sequence(), 5);
    EXPECT_EQ(state.find(producer_id{7})->last_offset(), 5);
}

TEST(producer_state, a_retry_of_one_of_the_last_five_batches_is_a_duplicate) {
    producer_state state;
    for (int i = 0; i < 6; ++i) ASSERT_EQ(produce(state, header(7, 0, i * 2, 2, i * 10)).error, error_code::none);
    // Batches 1..5 are remembered, batch 0 (sequences 0-1) is not.
    auto dup = produce(state, header(7, 0, 4, 2, 99));
    ASSERT_TRUE(dup.duplicate);
    EXPECT_EQ(dup.duplicate->first_offset(), 20);
    EXPECT_EQ(dup.duplicate->last_offset, 21);
    EXPECT_FALSE(produce(state, header(7, 0, 0, 2, 99)).duplicate);
    // Same first sequence, other last: not the same batch.
    EXPECT_EQ(produce(state, header(7, 0, 4, 3, 99)).error, error_code::out_of_order_sequence_number);
}

TEST(producer_state, epochs_fence_and_restart_sequences) {
    producer_state state;
    ASSERT_EQ(produce(state, header(7, 3, 0, 5, 0)).error, error_code::none);
    EXPECT_EQ(produce(state, header(7, 2, 5, 1, 5)).error, error_code::invalid_producer_epoch);
    // A retried batch of an older epoch is no duplicate either.
    EXPECT_EQ(produce(state, header(7, 2, 0, 5, 5)).error, error_code::invalid_producer_epoch);
    EXPECT_EQ(produce(state, header(7, 4, 5, 1, 5)).error, error_code::out_of_order_sequence_number);
    EXPECT_EQ(produce(state, header(7, 4, 0, 1, 5)).error, error_code::none);
    EXPECT_EQ(state.find(producer_id{7})->epoch, producer_epoch{4});
    EXPECT_EQ(state.find(producer_id{7})->batches.size(), 1u);  // the new epoch forgot the old ranges
}

TEST(producer_state, an_unknown_producer_may_start_at_any_sequence) {
    producer_state state;
    EXPECT_EQ(produce(state, header(9, 0, 42, 2, 0)).error, error_code::none);
    EXPECT_EQ(produce(state, header(9, 0, 45, 1, 2)).error, error_code::out_of_order_sequence_number);
    EXPECT_EQ(produce(state, header(9, 0, 44, 1, 2)).error, error_code::none);
}

TEST(producer_state, sequences_wrap_after_int32_max) {
    EXPECT_EQ(last_sequence_of(INT32_MAX - 1, 3), 1);
    producer_state state;
    ASSERT_EQ(produce(state, header(7, 0, INT32_MAX - 1, 2, 0)).error, error_code::none);
    EXPECT_EQ(produce(state, header(7, 0, 0, 1, 2)).error, error_code::none);
}

TEST(producer_state, a_sequence_below_zero_is_an_invalid_record) {
    producer_state state;
    EXPECT_EQ(produce(state, header(7, 0, -1, 1, 0)).error, error_code::invalid_record);
    EXPECT_EQ(state.size(), 0u);
}

TEST(producer_state, batches_of_one_append_are_checked_in_order) {
    producer_state state;
    producer_state::append changes(state);
    EXPECT_EQ(changes.check_client(header(7, 0, 0, 2, 0)).error, error_code::none);
    EXPECT_EQ(changes.check_client(header(7, 0, 2, 2, 2)).error, error_code::none);
    EXPECT_EQ(changes.check_client(header(7, 0, 9, 2, 4)).error, error_code::out_of_order_sequence_number);
    EXPECT_EQ(state.size(), 0u);  // nothing applied before commit
    state.commit(std::move(changes));
    EXPECT_EQ(state.find(producer_id{7})->last_sequence(), 3);
}

TEST(producer_state, expiry_and_log_start_forget_producers) {
    producer_state state;
    ASSERT_EQ(produce(state, header(1, 0, 0, 1, 0)).error, error_code::none);    // timestamp 1000
    ASSERT_EQ(produce(state, header(2, 0, 0, 1, 500)).error, error_code::none);  // timestamp 1500
    EXPECT_EQ(state.expire(2100, 1000), 1u);
    EXPECT_EQ(state.find(producer_id{1}), nullptr);
    EXPECT_EQ(state.evict_below(501), 1u);
    EXPECT_EQ(state.size(), 0u);
}

TEST(producer_snapshot, round_trips_kafkas_format_and_refuses_damage) {
    producer_state state;
    ASSERT_EQ(produce(state, header(7, 2, 10, 4, 100)).error, error_code::none);
    ASSERT_EQ(produce(state, header(8, 0, INT32_MAX - 1, 3, 104)).error, error_code::none);  // wraps
    std::string bytes = producer_snapshot::encode(state);
    EXPECT_EQ(bytes.size(), 2u + 4 + 4 + 2 * 46);
    EXPECT_EQ(bytes[1], 1);  // version 1
    auto decoded = producer_snapshot::decode(bytes);
    ASSERT_TRUE(decoded);
    producer_state loaded;
    loaded.load(*decoded);
    const producer_entry* seven = loaded.find(producer_id{7});
    ASSERT_NE(seven, nullptr);
    EXPECT_EQ(seven->epoch, producer_epoch{2});
    ASSERT_EQ(seven->batches.size(), 1u);
    EXPECT_EQ(seven->batches[0].first_sequence, 10);
    EXPECT_EQ(seven->batches[0].last_sequence, 13);
    EXPECT_EQ(seven->batches[0].first_offset(), 100);
    EXPECT_EQ(loaded.find(producer_id{8})->batches[0].first_sequence, INT32_MAX - 1);
    // The last batch is still recognised after loading.
    EXPECT_TRUE(produce(loaded, header(7, 2, 10, 4, 200)).duplicate);

    for (size_t at : {size_t{3}, bytes.size() - 1}) {
        std::string damaged = bytes;
        damaged[at] = static_cast<char>(damaged[at] ^ 1);
        EXPECT_FALSE(producer_snapshot::decode(damaged)) << at;
    }
    EXPECT_FALSE(producer_snapshot::decode(bytes.substr(0, bytes.size() - 1)));
}

protocol::bytes producer_batch_bytes(int64_t pid, int16_t epoch, int32_t seq, int count) {
    return make_producer_batch(pid, epoch, seq, count);
}

TEST(partition_log_producers, a_retried_batch_is_answered_with_its_first_offsets_and_not_appended) {
    temp_dir dir;
    auto log = open_log(dir.path() / "t-0", log_config{}, true);
    ASSERT_EQ(append_copy(*log, make_batch(2, 1000), 6000).error, error_code::none);
    auto first = append_copy(*log, producer_batch_bytes(7, 0, 0, 3), 6000);
    ASSERT_EQ(first.error, error_code::none);
    EXPECT_EQ(first.base_offset, 2);
    auto retry = append_copy(*log, producer_batch_bytes(7, 0, 0, 3), 6000);
    EXPECT_EQ(retry.error, error_code::none);
    EXPECT_TRUE(retry.duplicate);
    EXPECT_EQ(retry.base_offset, 2);
    EXPECT_EQ(retry.last_offset, 4);
    EXPECT_EQ(log->log_end_offset(), 5);
    auto gap = append_copy(*log, producer_batch_bytes(7, 0, 5, 1), 6000);
    EXPECT_EQ(gap.error, error_code::out_of_order_sequence_number);
    EXPECT_EQ(log->log_end_offset(), 5);
}

TEST(partition_log_producers, survive_clean_and_unclean_restarts) {
    temp_dir dir;
    {
        auto log = open_log(dir.path() / "t-0", small_config(), true);
        for (int i = 0; i < 100; ++i) {
            ASSERT_EQ(append_copy(*log, producer_batch_bytes(7, 1, i * 3, 3), 6000).error, error_code::none);
        }
        ASSERT_GT(log->segment_count(), 2u);  // snapshots were taken at the rolls
        ASSERT_EQ(append_copy(*log, producer_batch_bytes(8, 0, 0, 1), 6000).error, error_code::none);
        log->close();
    }
    {
        auto log = open_log(dir.path() / "t-0", small_config(), true);
        EXPECT_FALSE(log->recovered());
        ASSERT_NE(log->producers().find(producer_id{7}), nullptr);
        EXPECT_EQ(log->producers().find(producer_id{7})->last_sequence(), 299);
        EXPECT_TRUE(append_copy(*log, producer_batch_bytes(7, 1, 297, 3), 6000).duplicate);
        EXPECT_EQ(append_copy(*log, producer_batch_bytes(8, 0, 1, 1), 6000).error, error_code::none);
        // No close: what a kill -9 leaves.
    }
    auto log = open_log(dir.path() / "t-0", small_config(), false);
    ASSERT_NE(log->producers().find(producer_id{8}), nullptr);
    EXPECT_EQ(log->producers().find(producer_id{8})->last_sequence(), 1);
    EXPECT_EQ(append_copy(*log, producer_batch_bytes(7, 1, 301, 1), 6000).error,
              error_code::out_of_order_sequence_number);
}

TEST(partition_log_producers, unclean_restart_without_snapshots_reads_the_log) {
    temp_dir dir;
    {
        auto log = open_log(dir.path() / "t-0", small_config(), true);
        for (int i = 0; i < 20; ++i) {
            ASSERT_EQ(append_copy(*log, producer_batch_bytes(7, 0, i, 1), 6000).error, error_code::none);
        }
    }
    for (int64_t offset : producer_snapshot::list(dir.path() / "t-0")) {
        std::filesystem::remove(producer_snapshot::path_for(dir.path() / "t-0", offset));
    }
    auto log = open_log(dir.path() / "t-0", small_config(), false);
    ASSERT_NE(log->producers().find(producer_id{7}), nullptr);
    EXPECT_EQ(log->producers().find(producer_id{7})->last_sequence(), 19);
}

TEST(partition_log_producers, truncation_forgets_the_truncated_batches) {
    temp_dir dir;
    auto log = open_log(dir.path() / "t-0", small_config(), true);
    for (int i = 0; i < 30; ++i) {
        ASSERT_EQ(append_copy(*log, producer_batch_bytes(7, 0, i * 2, 2), 6000).error, error_code::none);
    }
    auto truncated = log->truncate_to(20);
    ASSERT_TRUE(truncated.done);
    for (const auto& f : truncated.deleted_files) std::filesystem::remove(f);
    ASSERT_EQ(log->log_end_offset(), 20);
    EXPECT_EQ(log->producers().find(producer_id{7})->last_sequence(), 19);
    for (int64_t offset : producer_snapshot::list(log->dir())) EXPECT_LE(offset, 20);
    EXPECT_EQ(append_copy(*log, producer_batch_bytes(7, 0, 20, 2), 6000).error, error_code::none);

    auto fully = log->truncate_fully_and_start_at(protocol::offset(500));
    for (const auto& f : fully.deleted_files) std::filesystem::remove(f);
    EXPECT_EQ(log->producers().size(), 0u);
    EXPECT_TRUE(producer_snapshot::list(log->dir()).empty());
}

TEST(partition_log_producers, followers_learn_producers_from_replicated_batches) {
    temp_dir dir;
    auto leader = open_log(dir.path() / "l-0", log_config{}, true);
    auto follower = open_log(dir.path() / "f-0", log_config{}, true);
    protocol::bytes batch = producer_batch_bytes(7, 0, 0, 4);
    ASSERT_EQ(leader->append(batch, 3, 6000).error, error_code::none);  // `batch` now has its offsets
    ASSERT_EQ(follower->append_as_follower(batch, 6000).error, error_code::none);
    ASSERT_NE(follower->producers().find(producer_id{7}), nullptr);
    EXPECT_EQ(follower->producers().find(producer_id{7})->last_sequence(), 3);
    // Were the follower to lead now, the client's retry would be recognised.
    EXPECT_TRUE(append_copy(*follower, producer_batch_bytes(7, 0, 0, 4), 6000).duplicate);
}

TEST(partition_log_producers, delete_records_forgets_producers_below_the_log_start) {
    temp_dir dir;
    auto log = open_log(dir.path() / "t-0", log_config{}, true);
    ASSERT_EQ(append_copy(*log, producer_batch_bytes(7, 0, 0, 2), 6000).error, error_code::none);
    ASSERT_EQ(append_copy(*log, producer_batch_bytes(8, 0, 0, 2), 6000).error, error_code::none);
    log->set_high_watermark(4);
    ASSERT_EQ(log->delete_records_before(2), error_code::none);
    EXPECT_EQ(log->producers().find(producer_id{7}), nullptr);
    EXPECT_NE(log->producers().find(producer_id{8}), nullptr);
    // Unknown again: any sequence starts it over, as in Kafka.
    EXPECT_EQ(append_copy(*log, producer_batch_bytes(7, 0, 50, 1), 6000).error, error_code::none);
}

}  // namespace
}  // namespace sluice::log

// The transaction state machine: each request's answer in each state, as
// Kafka's TransactionCoordinator gives it, and the transitions it writes.
#include "broker/txn/txn_metadata.h"
#include "broker/txn/txn_verifier.h"

#include <gtest/gtest.h>

namespace sluice::broker::txn {
namespace {

txn_metadata in_state(txn_state s, int16_t epoch = 3) {
    txn_metadata m;
    m.transactional_id = "t";
    m.pid = producer_id(1000);
    m.epoch = producer_epoch(epoch);
    m.timeout_ms = 60000;
    m.state = s;
    if (s == txn_state::ongoing || s == txn_state::prepare_commit || s == txn_state::prepare_abort) {
        m.partitions.insert({"a", 0});
        m.start_ms = 100;
    }
    return m;
}

const producer_id pid(1000);
const producer_epoch epoch(3);

TEST(TxnVerification, CoordinatorAnswersBecomeWhatProduceAnswers) {
    // Old producers know neither TRANSACTION_ABORTABLE nor the coordinator
    // errors in a produce answer; Produce v11+ knows the first.
    EXPECT_EQ(produce_error_of_verification(error_code::invalid_txn_state, false), error_code::invalid_txn_state);
    EXPECT_EQ(produce_error_of_verification(error_code::transaction_abortable, false), error_code::invalid_txn_state);
    EXPECT_EQ(produce_error_of_verification(error_code::invalid_txn_state, true), error_code::transaction_abortable);
    EXPECT_EQ(produce_error_of_verification(error_code::producer_fenced, true), error_code::invalid_producer_epoch);
    for (auto e : {error_code::concurrent_transactions, error_code::coordinator_load_in_progress,
                   error_code::coordinator_not_available, error_code::not_coordinator}) {
        EXPECT_EQ(produce_error_of_verification(e, true), error_code::not_enough_replicas);
    }
    EXPECT_EQ(produce_error_of_verification(error_code::invalid_producer_id_mapping, false),
              error_code::invalid_producer_id_mapping);
    EXPECT_EQ(produce_error_of_verification(error_code::network_exception, false), error_code::network_exception);
}

TEST(TxnState, NamesAreKafkas) {
    EXPECT_EQ(state_name(txn_state::prepare_epoch_fence), "PrepareEpochFence");
    EXPECT_EQ(state_from_name("CompleteAbort"), txn_state::complete_abort);
    EXPECT_FALSE(state_from_name("ongoing"));
    EXPECT_EQ(state_from_wire(1), txn_state::ongoing);
    EXPECT_FALSE(state_from_wire(8));
    EXPECT_FALSE(state_from_wire(-1));
}

TEST(TxnState, TimeoutBounds) {
    EXPECT_EQ(check_timeout(0, 900000), error_code::invalid_transaction_timeout);
    EXPECT_EQ(check_timeout(-5, 900000), error_code::invalid_transaction_timeout);
    EXPECT_EQ(check_timeout(900001, 900000), error_code::invalid_transaction_timeout);
    EXPECT_EQ(check_timeout(900000, 900000), error_code::none);
}

TEST(TxnInit, NewIdGetsEpochZero) {
    txn_metadata m = in_state(txn_state::empty, -1);
    auto d = decide_init(m, std::nullopt);
    ASSERT_EQ(d.what, init_decision::action::bump_epoch);
    txn_metadata next = after_init(m, d, 5000, 7);
    EXPECT_EQ(next.epoch, producer_epoch(0));
    EXPECT_EQ(next.state, txn_state::empty);
    EXPECT_EQ(next.timeout_ms, 5000);
}

TEST(TxnInit, SettledStatesBumpTheEpoch) {
    for (auto s : {txn_state::empty, txn_state::complete_commit, txn_state::complete_abort}) {
        auto d = decide_init(in_state(s), std::nullopt);
        ASSERT_EQ(d.what, init_decision::action::bump_epoch);
        EXPECT_EQ(d.epoch, producer_epoch(4));
    }
}

TEST(TxnInit, OngoingIsFencedAndAborted) {
    auto d = decide_init(in_state(txn_state::ongoing), std::nullopt);
    EXPECT_EQ(d.what, init_decision::action::fence_and_abort);
    txn_metadata next = after_fence(in_state(txn_state::ongoing), 9);
    EXPECT_EQ(next.state, txn_state::prepare_abort);
    EXPECT_EQ(next.epoch, producer_epoch(4));
    EXPECT_EQ(next.partitions.size(), 1u);
}

TEST(TxnInit, PreparingOrPendingIsConcurrent) {
    for (auto s : {txn_state::prepare_commit, txn_state::prepare_abort, txn_state::prepare_epoch_fence}) {
        auto d = decide_init(in_state(s), std::nullopt);
        EXPECT_EQ(d.error, error_code::concurrent_transactions) << state_name(s);
    }
    txn_metadata m = in_state(txn_state::empty);
    m.pending = true;
    EXPECT_EQ(decide_init(m, std::nullopt).error, error_code::concurrent_transactions);
}

TEST(TxnInit, Kip360ProducerChecks) {
    txn_metadata m = in_state(txn_state::complete_commit);
    // The current producer bumps.
    auto d = decide_init(m, pid_and_epoch{pid, epoch});
    ASSERT_EQ(d.what, init_decision::action::bump_epoch);
    EXPECT_EQ(d.epoch, producer_epoch(4));
    EXPECT_EQ(d.last_epoch, epoch);
    // Another producer id is fenced.
    EXPECT_EQ(decide_init(m, pid_and_epoch{producer_id(7), epoch}).error, error_code::producer_fenced);
    // A stale epoch of the same id is fenced.
    EXPECT_EQ(decide_init(m, pid_and_epoch{pid, producer_epoch(1)}).error, error_code::producer_fenced);
    // A retry whose answer was lost gets the same epoch again.
    txn_metadata bumped = after_init(m, d, 1000, 5);
    auto retry = decide_init(bumped, pid_and_epoch{pid, epoch});
    ASSERT_EQ(retry.what, init_decision::action::bump_epoch);
    EXPECT_EQ(retry.epoch, producer_epoch(4));
}

TEST(TxnInit, ExhaustedEpochTakesANewProducerId) {
    txn_metadata m = in_state(txn_state::complete_abort, 32766);
    EXPECT_TRUE(epoch_exhausted(m.epoch));
    auto d = decide_init(m, std::nullopt);
    ASSERT_EQ(d.what, init_decision::action::new_producer_id);
    txn_metadata next = after_rotation(m, producer_id(2000), true, 1000, 5);
    EXPECT_EQ(next.pid, producer_id(2000));
    EXPECT_EQ(next.previous_pid, pid);
    EXPECT_EQ(next.epoch, producer_epoch(0));
    // The old producer retrying with its exhausted epoch is not fenced.
    auto retry = decide_init(next, pid_and_epoch{pid, producer_epoch(32766)});
    ASSERT_EQ(retry.what, init_decision::action::bump_epoch);
    EXPECT_EQ(retry.epoch, producer_epoch(0));
}

TEST(TxnAddPartitions, ChecksInKafkasOrder) {
    bool write = false;
    std::vector<topic_partition> parts{{"a", 0}};
    txn_metadata m = in_state(txn_state::empty);
    EXPECT_EQ(check_add_partitions(m, producer_id(5), epoch, parts, write), error_code::invalid_producer_id_mapping);
    EXPECT_EQ(check_add_partitions(m, pid, producer_epoch(2), parts, write), error_code::producer_fenced);
    EXPECT_EQ(check_add_partitions(m, pid, epoch, parts, write), error_code::none);
    EXPECT_TRUE(write);
    for (auto s : {txn_state::prepare_commit, txn_state::prepare_abort}) {
        EXPECT_EQ(check_add_partitions(in_state(s), pid, epoch, parts, write), error_code::concurrent_transactions);
    }
    // Already in the transaction: nothing to write.
    EXPECT_EQ(check_add_partitions(in_state(txn_state::ongoing), pid, epoch, parts, write), error_code::none);
    EXPECT_FALSE(write);
    std::vector<topic_partition> more{{"a", 0}, {"b", 1}};
    txn_metadata next = after_add_partitions(in_state(txn_state::ongoing), more, 500);
    EXPECT_EQ(next.partitions.size(), 2u);
    EXPECT_EQ(next.start_ms, 100);  // an ongoing transaction keeps its start
    txn_metadata fresh = after_add_partitions(in_state(txn_state::complete_commit), parts, 500);
    EXPECT_EQ(fresh.state, txn_state::ongoing);
    EXPECT_EQ(fresh.start_ms, 500);
}

TEST(TxnEnd, EveryStateAsKafkaAnswers) {
    bool write = false;
    EXPECT_EQ(check_end(in_state(txn_state::ongoing), pid, epoch, true, write), error_code::none);
    EXPECT_TRUE(write);
    EXPECT_EQ(check_end(in_state(txn_state::empty), pid, epoch, true, write), error_code::invalid_txn_state);
    EXPECT_EQ(check_end(in_state(txn_state::complete_commit), pid, epoch, true, write), error_code::none);
    EXPECT_FALSE(write);  // a retry
    EXPECT_EQ(check_end(in_state(txn_state::complete_commit), pid, epoch, false, write), error_code::invalid_txn_state);
    EXPECT_EQ(check_end(in_state(txn_state::complete_abort), pid, epoch, false, write), error_code::none);
    EXPECT_EQ(check_end(in_state(txn_state::complete_abort), pid, epoch, true, write), error_code::invalid_txn_state);
    EXPECT_EQ(check_end(in_state(txn_state::prepare_commit), pid, epoch, true, write),
              error_code::concurrent_transactions);
    EXPECT_EQ(check_end(in_state(txn_state::prepare_commit), pid, epoch, false, write), error_code::invalid_txn_state);
    EXPECT_EQ(check_end(in_state(txn_state::prepare_abort), pid, epoch, false, write),
              error_code::concurrent_transactions);
    EXPECT_EQ(check_end(in_state(txn_state::prepare_abort), pid, epoch, true, write), error_code::invalid_txn_state);
    EXPECT_EQ(check_end(in_state(txn_state::ongoing), pid, producer_epoch(2), true, write),
              error_code::producer_fenced);
    EXPECT_EQ(check_end(in_state(txn_state::ongoing), producer_id(1), epoch, true, write),
              error_code::invalid_producer_id_mapping);
    txn_metadata prepared = after_prepare(in_state(txn_state::ongoing), true, 10);
    EXPECT_EQ(prepared.state, txn_state::prepare_commit);
    txn_metadata done = after_complete(prepared, 20);
    EXPECT_EQ(done.state, txn_state::complete_commit);
    EXPECT_TRUE(done.partitions.empty());
}

TEST(TxnVerify, PrepareIsConcurrent) {
    EXPECT_EQ(check_verify(in_state(txn_state::ongoing), pid, epoch), error_code::none);
    EXPECT_EQ(check_verify(in_state(txn_state::prepare_abort), pid, epoch), error_code::concurrent_transactions);
    EXPECT_EQ(check_verify(in_state(txn_state::ongoing), pid, producer_epoch(9)), error_code::producer_fenced);
}

TEST(TxnTimers, TimeoutAndExpiry) {
    txn_metadata m = in_state(txn_state::ongoing);
    m.timeout_ms = 1000;
    EXPECT_FALSE(timed_out(m, 1100));
    EXPECT_TRUE(timed_out(m, 1101));
    m.pending = true;
    EXPECT_FALSE(timed_out(m, 5000));
    txn_metadata idle = in_state(txn_state::complete_commit);
    idle.update_ms = 0;
    EXPECT_TRUE(expired(idle, 100, 100));
    EXPECT_FALSE(expired(idle, 99, 100));
    EXPECT_FALSE(expired(in_state(txn_state::ongoing), 1'000'000, 100));
}

}  // namespace
}  // namespace sluice::broker::txn

// The producer id manager: ids in order from the store's blocks, the next
// block fetched at 90%, requests waiting for the block in flight, a failed
// allocation answered COORDINATOR_LOAD_IN_PROGRESS and asked again next time,
// a block that goes backwards refused.
#include "broker/txn/producer_id_manager.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "replication/local_metadata_store.h"
#include "unit/broker/forwarding_store.h"
#include "unit/temp_dir.h"

namespace sluice::broker::txn {
namespace {

using protocol::error_code;
using protocol::producer_id;
using replication::op_result;
using replication::producer_id_block;

// Holds every allocation back until the test answers it.
class holding_store : public testing::forwarding_store {
public:
    using forwarding_store::forwarding_store;
    void allocate_producer_ids(executor, producer_ids_fn done) override { held.push_back(std::move(done)); }
    void give(producer_id_block block) { answer({}, block); }
    void fail() { answer({error_code::request_timed_out, "etcd away"}, {}); }
    std::deque<producer_ids_fn> held;

private:
    void answer(op_result r, producer_id_block block) {
        ASSERT_FALSE(held.empty());
        auto done = std::move(held.front());
        held.pop_front();
        done(std::move(r), block);
    }
};

struct answer {
    error_code error;
    producer_id id;
};

class ProducerIdManagerTest : public ::testing::Test {
protected:
    ProducerIdManagerTest()
        : inner_(replication::local_metadata_store::open(dir_.path(), std::string("c"))),
          store_(*inner_),
          ids_(store_, io_.get_executor()) {}

    // Asks for one id; its answer lands in answers_ (inline or once io_ runs).
    void ask() {
        ids_.next_id([this](error_code e, producer_id id) { answers_.push_back({e, id}); });
    }
    void run() {
        io_.restart();
        io_.run();
    }
    static producer_id_block block(int64_t first) { return {producer_id(first), producer_id_block::default_size}; }

    sluice::testing::temp_dir dir_{"sluice-pid"};
    boost::asio::io_context io_;
    std::unique_ptr<replication::local_metadata_store> inner_;
    holding_store store_;
    producer_id_manager ids_;
    std::vector<answer> answers_;
};

TEST_F(ProducerIdManagerTest, the_first_request_waits_for_the_first_block) {
    ask();
    EXPECT_TRUE(answers_.empty());
    EXPECT_TRUE(ids_.allocating());
    store_.give(block(5000));
    EXPECT_TRUE(answers_.empty()) << "the store's answer is taken through the executor";
    run();
    ASSERT_EQ(answers_.size(), 1u);
    EXPECT_EQ(answers_[0].error, error_code::none);
    EXPECT_EQ(answers_[0].id, producer_id(5000));
    ask();  // at hand: answered inline
    ASSERT_EQ(answers_.size(), 2u);
    EXPECT_EQ(answers_[1].id, producer_id(5001));
}

TEST_F(ProducerIdManagerTest, requests_that_wait_are_answered_in_order_once_the_block_arrives) {
    for (int i = 0; i < 3; ++i) ask();
    EXPECT_EQ(ids_.waiting(), 3u);
    EXPECT_EQ(store_.held.size(), 1u) << "one allocation in flight";
    store_.give(block(0));
    run();
    ASSERT_EQ(answers_.size(), 3u);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(answers_[i].id, producer_id(i));
    EXPECT_EQ(ids_.waiting(), 0u);
}

TEST_F(ProducerIdManagerTest, the_next_block_is_fetched_at_ninety_percent_and_used_after_the_current_one) {
    ask();
    store_.give(block(0));
    run();
    while (answers_.size() < 900) ask();
    EXPECT_TRUE(store_.held.empty()) << "ids 0..899 handed out: no prefetch yet";
    ask();  // id 900
    EXPECT_EQ(store_.held.size(), 1u) << "prefetch started";
    store_.give(block(7000));
    run();
    while (answers_.size() < 1002) ask();
    EXPECT_EQ(answers_[999].id, producer_id(999));
    EXPECT_EQ(answers_[1000].id, producer_id(7000));
    EXPECT_EQ(answers_[1001].id, producer_id(7001));
    std::set<int64_t> distinct;
    for (const auto& a : answers_) {
        EXPECT_EQ(a.error, error_code::none);
        distinct.insert(a.id.value());
    }
    EXPECT_EQ(distinct.size(), answers_.size());
}

TEST_F(ProducerIdManagerTest, a_block_used_up_before_the_prefetch_arrives_makes_requests_wait_for_it) {
    ask();
    store_.give(block(0));
    run();
    while (answers_.size() < 1000) ask();
    ASSERT_EQ(store_.held.size(), 1u);  // the prefetch, still in flight
    ask();
    ask();
    EXPECT_EQ(answers_.size(), 1000u);
    EXPECT_EQ(store_.held.size(), 1u) << "no second allocation while one is in flight";
    store_.give(block(1000));
    run();
    ASSERT_EQ(answers_.size(), 1002u);
    EXPECT_EQ(answers_[1000].id, producer_id(1000));
    EXPECT_EQ(answers_[1001].id, producer_id(1001));
}

TEST_F(ProducerIdManagerTest, a_failed_allocation_answers_coordinator_load_in_progress_and_is_asked_again) {
    ask();
    ask();
    store_.fail();
    run();
    ASSERT_EQ(answers_.size(), 2u);
    for (const auto& a : answers_) {
        EXPECT_EQ(a.error, error_code::coordinator_load_in_progress);
        EXPECT_EQ(a.id, producer_id(-1));
    }
    EXPECT_FALSE(ids_.allocating());
    ask();  // the client's retry
    ASSERT_EQ(store_.held.size(), 1u);
    store_.give(block(0));
    run();
    ASSERT_EQ(answers_.size(), 3u);
    EXPECT_EQ(answers_[2].error, error_code::none);
    EXPECT_EQ(answers_[2].id, producer_id(0));
}

TEST_F(ProducerIdManagerTest, a_block_below_the_current_one_is_refused) {
    ask();
    store_.give(block(3000));
    run();
    while (answers_.size() < 1000) ask();  // the prefetch is in flight
    store_.give(block(1000));               // overlaps nothing handed out, but goes backwards
    run();
    ask();
    ASSERT_EQ(answers_.size(), 1000u);
    ASSERT_EQ(store_.held.size(), 1u) << "asked again";
    store_.give(block(4000));
    run();
    ASSERT_EQ(answers_.size(), 1001u);
    EXPECT_EQ(answers_.back().id, producer_id(4000));
}

TEST_F(ProducerIdManagerTest, an_answer_after_the_manager_is_gone_is_dropped) {
    auto ids = std::make_unique<producer_id_manager>(store_, io_.get_executor());
    bool answered = false;
    ids->next_id([&](error_code, producer_id) { answered = true; });
    ids.reset();
    store_.give(block(0));
    run();
    EXPECT_FALSE(answered);
}

TEST(ProducerIdManagerLocalTest, ids_are_unique_across_a_restart_over_the_local_store) {
    sluice::testing::temp_dir dir{"sluice-pid"};
    boost::asio::io_context io;
    std::set<int64_t> seen;
    for (int restart = 0; restart < 2; ++restart) {
        auto store = replication::local_metadata_store::open(dir.path(), std::string("c"));
        producer_id_manager ids(*store, io.get_executor());
        for (int i = 0; i < 1500; ++i) {
            std::optional<answer> got;
            ids.next_id([&](error_code e, producer_id id) { got = answer{e, id}; });
            io.restart();
            io.run();
            ASSERT_TRUE(got.has_value());
            ASSERT_EQ(got->error, error_code::none);
            EXPECT_TRUE(seen.insert(got->id.value()).second) << "repeated " << got->id.value();
        }
    }
    EXPECT_EQ(seen.size(), 3000u);
}

}  // namespace
}  // namespace sluice::broker::txn

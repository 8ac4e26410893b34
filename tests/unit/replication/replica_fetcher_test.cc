// The follower fetcher against a fake leader that answers from an in-memory
// log with Kafka's rules: one named case per shape of divergence, error and
// failure. Every case ends by comparing the follower's batches with the
// leader's byte for byte; the follower log refuses an append that does not
// start at its end, so a duplicated or skipped range fails the case.
#include "replication/replica_fetcher.h"

#include <gtest/gtest.h>

#include "unit/replication/fake_leader.h"

namespace sluice::replication {
namespace {

using namespace std::chrono_literals;
using protocol::error_code;
using protocol::leader_epoch;
using protocol::offset;
using testing::fake_leader;
using testing::memory_follower_log;

constexpr int32_t follower_id = 7;

class ReplicaFetcherTest : public ::testing::Test {
protected:
    void TearDown() override {
        if (fetcher_) fetcher_->stop();
        leader_.close_all();
        io_.restart();
        io_.run_for(20ms);  // let aborted handlers run before the objects go
    }

    replica_fetcher::options options() {
        replica_fetcher::options o;
        o.replica_id = protocol::node_id(follower_id);
        o.broker_epoch = 42;
        o.leader_host = "127.0.0.1";
        o.leader_port = leader_.port();
        o.max_wait_ms = 20;
        o.partition_max_bytes = 1;  // one batch per fetch: catching up takes rounds
        o.backoff = 30ms;
        o.connect_timeout = 1000ms;
        o.request_timeout = 2000ms;
        return o;
    }

    void start(replica_fetcher::options o, int32_t epoch, bool with_topic_id = true) {
        fetcher_ =
            replica_fetcher::create(io_.get_executor(), std::move(o),
                                    [this](const topic_partition& tp, error_code e) { problems_.emplace_back(tp, e); });
        fetcher_->add_partition(tp_, with_topic_id ? testing::test_topic_id : protocol::uuid{}, leader_epoch(epoch),
                                follower_);
    }

    bool run_until(const std::function<bool()>& cond, std::chrono::milliseconds limit = 5s) {
        auto deadline = std::chrono::steady_clock::now() + limit;
        io_.restart();
        while (!cond() && std::chrono::steady_clock::now() < deadline)
            io_.run_for(5ms);
        return cond();
    }

    fake_leader::partition_model& leader_partition() { return leader_.partitions[0]; }

    bool caught_up() {
        const auto& l = leader_partition().log;
        auto s = fetcher_->status(tp_);
        return follower_->state.end == l.end && follower_->state.hw == std::min(l.hw, l.end) && s &&
               s->state == fetch_state::fetching && s->fetch_offset == offset(l.end);
    }

    void expect_same_as_leader() {
        EXPECT_EQ(follower_->state.batches, leader_partition().log.batches);
        EXPECT_EQ(follower_->state.epochs.entries(), leader_partition().log.epochs.entries());
    }

    boost::asio::io_context io_;
    fake_leader leader_{io_};
    std::shared_ptr<memory_follower_log> follower_ = std::make_shared<memory_follower_log>();
    topic_partition tp_{"t", 0};
    std::shared_ptr<replica_fetcher> fetcher_;
    std::vector<std::pair<topic_partition, error_code>> problems_;
};

TEST_F(ReplicaFetcherTest, catch_up_from_empty) {
    auto& l = leader_partition();
    l.epoch = 1;
    l.log.add(5, 0, 'L');
    l.log.add(5, 0, 'L');
    l.log.add(3, 1, 'L');
    l.log.hw = 10;
    start(options(), 1);
    ASSERT_TRUE(run_until([&] { return caught_up(); }));
    expect_same_as_leader();
    EXPECT_EQ(follower_->state.hw, 10);
    // An empty log has no epoch to ask about: no OffsetForLeaderEpoch.
    EXPECT_TRUE(leader_.epoch_requests.empty());
    EXPECT_EQ(leader_.api_keys_seen.front(), 18);
    // Newest Fetch version, ReplicaState instead of the replica id field,
    // a full fetch outside any session.
    ASSERT_GE(leader_.fetches.size(), 3u);
    EXPECT_EQ(leader_.fetch_versions.front(), 17);
    const auto& first = leader_.fetches.front();
    EXPECT_EQ(first.replica_id, -1);
    EXPECT_EQ(first.replica_state.replica_id, follower_id);
    EXPECT_EQ(first.replica_state.replica_epoch, 42);
    EXPECT_EQ(first.session_id, 0);
    EXPECT_EQ(first.session_epoch, -1);
    EXPECT_EQ(first.max_wait_ms, 20);
    ASSERT_EQ(first.topics.size(), 1u);
    EXPECT_EQ(first.topics[0].topic_id, testing::test_topic_id);
    ASSERT_EQ(first.topics[0].partitions.size(), 1u);
    EXPECT_EQ(first.topics[0].partitions[0].current_leader_epoch, 1);
    EXPECT_EQ(first.topics[0].partitions[0].fetch_offset, 0);
    EXPECT_EQ(first.topics[0].partitions[0].last_fetched_epoch, -1);
    // Later fetches carry the epoch of the last batch appended.
    const auto& second = leader_.fetches[1];
    EXPECT_EQ(second.topics[0].partitions[0].fetch_offset, 5);
    EXPECT_EQ(second.topics[0].partitions[0].last_fetched_epoch, 0);
    // The leader's high watermark moves on: the follower's follows it.
    l.log.hw = 13;
    ASSERT_TRUE(run_until([&] { return follower_->state.hw == 13; }));
}

TEST_F(ReplicaFetcherTest, log_start_follows_the_leader) {
    auto& l = leader_partition();
    for (int i = 0; i < 4; ++i)
        l.log.add(5, 0, 'L');
    l.log.hw = 10;
    start(options(), 0);
    ASSERT_TRUE(run_until([&] { return caught_up(); }));
    EXPECT_EQ(follower_->state.start, 0);
    // Retention (or DeleteRecords) on the leader removes what is before 15.
    l.log.hw = 20;
    l.log.advance_log_start(15);
    ASSERT_TRUE(run_until([&] { return follower_->state.start == 15; }));
    EXPECT_EQ(follower_->state.hw, 20);
    expect_same_as_leader();
}

TEST_F(ReplicaFetcherTest, older_leader_gets_replica_id_and_topic_names) {
    leader_.fetch_max_version = 12;
    auto& l = leader_partition();
    l.log.add(4, 0, 'L');
    l.log.hw = 4;
    start(options(), 0);
    ASSERT_TRUE(run_until([&] { return caught_up(); }));
    expect_same_as_leader();
    ASSERT_FALSE(leader_.fetches.empty());
    EXPECT_EQ(leader_.fetch_versions.front(), 12);
    EXPECT_EQ(leader_.fetches.front().replica_id, follower_id);
    EXPECT_EQ(leader_.fetches.front().topics[0].topic, "t");
}

TEST_F(ReplicaFetcherTest, truncation_after_a_divergent_log) {
    // KIP-101: the follower got records in epoch 1 that the leader (now at
    // epoch 2) never had; the leader wrote its own from offset 10.
    follower_->state.add(5, 0, 'L');
    follower_->state.add(5, 0, 'L');
    follower_->state.add(5, 1, 'F');
    follower_->state.hw = 10;
    auto& l = leader_partition();
    l.epoch = 2;
    l.log.add(5, 0, 'L');
    l.log.add(5, 0, 'L');
    l.log.add(3, 2, 'L');
    l.log.add(4, 2, 'L');
    l.log.hw = 17;
    start(options(), 2);
    ASSERT_TRUE(run_until([&] { return caught_up(); }));
    expect_same_as_leader();
    ASSERT_EQ(leader_.epoch_requests.size(), 1u);
    const auto& req = leader_.epoch_requests[0];
    EXPECT_EQ(req.replica_id, follower_id);
    EXPECT_EQ(req.topics[0].partitions[0].leader_epoch, 1);
    EXPECT_EQ(req.topics[0].partitions[0].current_leader_epoch, 2);
    // The fetches started at the point of divergence, not at the old end.
    EXPECT_EQ(leader_.fetches.front().topics[0].partitions[0].fetch_offset, 10);
    EXPECT_EQ(leader_.diverging_answers, 0);
}

TEST_F(ReplicaFetcherTest, leader_answers_an_earlier_epoch_kip_279) {
    // The follower never had epoch 1; its epoch-3 records at 5..9 came from a
    // leader that lost them. The leader answers epoch 1 ends at 12: the
    // follower must not keep up to offset 10 but cut back to the end of its
    // own epoch 0 (offset 5) and ask again.
    follower_->state.add(5, 0, 'L');
    follower_->state.add(5, 3, 'F');
    auto& l = leader_partition();
    l.epoch = 4;
    l.log.add(5, 0, 'L');
    l.log.add(7, 1, 'L');
    l.log.hw = 12;
    start(options(), 4);
    ASSERT_TRUE(run_until([&] { return caught_up(); }));
    expect_same_as_leader();
    ASSERT_EQ(leader_.epoch_requests.size(), 2u);
    EXPECT_EQ(leader_.epoch_requests[0].topics[0].partitions[0].leader_epoch, 3);
    EXPECT_EQ(leader_.epoch_requests[1].topics[0].partitions[0].leader_epoch, 0);
    EXPECT_EQ(leader_.fetches.front().topics[0].partitions[0].fetch_offset, 5);
    EXPECT_EQ(leader_.diverging_answers, 0);
}

TEST_F(ReplicaFetcherTest, diverging_epoch_in_a_fetch_response) {
    // KIP-320 on the fetch path: no OffsetForLeaderEpoch; the leader sees
    // the follower's last fetched epoch end before the fetch offset.
    follower_->state.add(5, 0, 'L');
    follower_->state.add(5, 0, 'L');
    follower_->state.add(5, 1, 'F');
    follower_->state.hw = 10;
    auto& l = leader_partition();
    l.epoch = 2;
    l.log.add(5, 0, 'L');
    l.log.add(5, 0, 'L');
    l.log.add(3, 2, 'L');
    l.log.hw = 13;
    auto o = options();
    o.truncate_on_fetch = true;
    start(o, 2);
    ASSERT_TRUE(run_until([&] { return caught_up(); }));
    expect_same_as_leader();
    EXPECT_TRUE(leader_.epoch_requests.empty());
    EXPECT_EQ(leader_.diverging_answers, 1);
    ASSERT_GE(leader_.fetches.size(), 2u);
    EXPECT_EQ(leader_.fetches[0].topics[0].partitions[0].fetch_offset, 15);
    EXPECT_EQ(leader_.fetches[0].topics[0].partitions[0].last_fetched_epoch, 1);
    EXPECT_EQ(leader_.fetches[1].topics[0].partitions[0].fetch_offset, 10);
    EXPECT_EQ(leader_.fetches[1].topics[0].partitions[0].last_fetched_epoch, 0);
}

TEST_F(ReplicaFetcherTest, out_of_range_above_the_leader_end_truncates_to_it) {
    // Records without a leader epoch (so truncation goes by the high
    // watermark, which covers them all): the leader, after an unclean
    // election, ends at 10.
    follower_->state.add(5, -1, 'L');
    follower_->state.add(5, -1, 'L');
    follower_->state.add(5, -1, 'F');
    follower_->state.hw = 15;
    auto& l = leader_partition();
    l.log.add(5, -1, 'L');
    l.log.add(5, -1, 'L');
    l.log.hw = 10;
    start(options(), 0);
    ASSERT_TRUE(run_until([&] { return caught_up(); }));
    expect_same_as_leader();
    EXPECT_EQ(leader_.out_of_range_answers, 1);
    ASSERT_EQ(leader_.list_offsets_requests.size(), 1u);
    const auto& req = leader_.list_offsets_requests[0];
    EXPECT_EQ(req.replica_id, follower_id);
    EXPECT_EQ(req.topics[0].partitions[0].timestamp, -1);
    EXPECT_EQ(req.topics[0].partitions[0].current_leader_epoch, 0);
    // Truncating alone catches it up; the next fetch starts at the cut.
    ASSERT_TRUE(run_until([&] { return leader_.fetches.back().topics[0].partitions[0].fetch_offset == 10; }));
    // And it goes on from there.
    l.log.add(2, 0, 'L');
    l.log.hw = 12;
    ASSERT_TRUE(run_until([&] { return caught_up(); }));
    expect_same_as_leader();
}

TEST_F(ReplicaFetcherTest, out_of_range_below_the_leader_start_starts_there) {
    // Retention removed everything the follower has and more.
    follower_->state.add(5, -1, 'L');
    follower_->state.hw = 5;
    auto& l = leader_partition();
    l.log.truncate_fully_and_start_at(20);
    l.log.add(5, 0, 'L');
    l.log.add(5, 0, 'L');
    l.log.hw = 30;
    start(options(), 0);
    ASSERT_TRUE(run_until([&] { return caught_up(); }));
    expect_same_as_leader();
    EXPECT_EQ(follower_->state.start, 20);
    EXPECT_EQ(leader_.out_of_range_answers, 1);
    ASSERT_EQ(leader_.list_offsets_requests.size(), 2u);
    EXPECT_EQ(leader_.list_offsets_requests[0].topics[0].partitions[0].timestamp, -1);
    EXPECT_EQ(leader_.list_offsets_requests[1].topics[0].partitions[0].timestamp, -2);
    EXPECT_EQ(leader_.fetches.back().topics[0].partitions[0].log_start_offset, 20);
}

TEST_F(ReplicaFetcherTest, fenced_leader_epoch_pauses_and_reports) {
    auto& l = leader_partition();
    l.epoch = 3;
    l.log.add(5, 3, 'L');
    l.log.hw = 5;
    start(options(), 2);  // stale metadata: the leader moved on to epoch 3
    ASSERT_TRUE(run_until([&] { return !problems_.empty(); }));
    ASSERT_EQ(problems_.size(), 1u);
    EXPECT_EQ(problems_[0].first, tp_);
    EXPECT_EQ(problems_[0].second, error_code::fenced_leader_epoch);
    EXPECT_EQ(fetcher_->status(tp_)->state, fetch_state::paused);
    EXPECT_EQ(fetcher_->status(tp_)->last_error, error_code::fenced_leader_epoch);
    // Paused: nothing more is asked for it.
    size_t fetches = leader_.fetches.size();
    run_until([] { return false; }, 150ms);
    EXPECT_EQ(leader_.fetches.size(), fetches);
    EXPECT_EQ(problems_.size(), 1u);
    // Fresh metadata resumes it.
    ASSERT_TRUE(fetcher_->update_partition(tp_, leader_epoch(3)));
    ASSERT_TRUE(run_until([&] { return caught_up(); }));
    expect_same_as_leader();
    EXPECT_EQ(leader_.fetches.back().topics[0].partitions[0].current_leader_epoch, 3);
}

TEST_F(ReplicaFetcherTest, partition_error_backs_off_that_partition_only) {
    auto& l = leader_partition();
    l.log.add(3, 0, 'L');
    l.log.add(3, 0, 'L');
    l.log.hw = 6;
    start(options(), 0);
    // Partition 1 is unknown to the leader (metadata raced a creation).
    auto other = std::make_shared<memory_follower_log>();
    topic_partition tp1{"t", 1};
    fetcher_->add_partition(tp1, testing::test_topic_id, leader_epoch(0), other);
    ASSERT_TRUE(run_until([&] { return caught_up(); }));
    expect_same_as_leader();
    auto s = fetcher_->status(tp1);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->state, fetch_state::fetching);
    EXPECT_EQ(s->last_error, error_code::unknown_topic_or_partition);
    EXPECT_TRUE(problems_.empty());
    // Backed off: asked far less often than partition 0 while it caught up.
    size_t asked_for_1 = 0;
    for (const auto& f : leader_.fetches) {
        for (const auto& p : f.topics[0].partitions)
            asked_for_1 += p.partition == 1 ? 1 : 0;
    }
    EXPECT_GE(asked_for_1, 1u);
    EXPECT_LT(asked_for_1, leader_.fetches.size());
    // Once the leader has it, it replicates.
    auto& l1 = leader_.partitions[1];
    l1.log.add(2, 0, 'M');
    l1.log.hw = 2;
    ASSERT_TRUE(run_until([&] { return other->state.end == 2 && other->state.hw == 2; }));
    EXPECT_EQ(other->state.batches, l1.log.batches);
    EXPECT_EQ(fetcher_->status(tp1)->last_error, error_code::none);
}

TEST_F(ReplicaFetcherTest, connection_dropped_mid_request_resumes_without_gaps) {
    auto& l = leader_partition();
    for (int i = 0; i < 6; ++i)
        l.log.add(3, 0, 'L');
    l.log.hw = 18;
    leader_.drop_on_fetch = 3;  // the third fetch is never answered
    start(options(), 0);
    ASSERT_TRUE(run_until([&] { return caught_up(); }));
    expect_same_as_leader();
    EXPECT_EQ(leader_.connections, 2);
    EXPECT_EQ(leader_.count(18), 2);  // versions asked again after reconnecting
    // The unanswered fetch is asked again from the same offset.
    ASSERT_GE(leader_.fetches.size(), 4u);
    EXPECT_EQ(leader_.fetches[2].topics[0].partitions[0].fetch_offset, 6);
    EXPECT_EQ(leader_.fetches[3].topics[0].partitions[0].fetch_offset, 6);
    EXPECT_EQ(follower_->appends, 6);
}

TEST_F(ReplicaFetcherTest, malformed_response_is_a_connection_failure) {
    auto& l = leader_partition();
    for (int i = 0; i < 3; ++i)
        l.log.add(2, 0, 'L');
    l.log.hw = 6;
    leader_.garbage_on_fetch = 2;
    start(options(), 0);
    ASSERT_TRUE(run_until([&] { return caught_up(); }));
    expect_same_as_leader();
    EXPECT_EQ(leader_.connections, 2);
    EXPECT_EQ(follower_->appends, 3);
    EXPECT_TRUE(problems_.empty());
    EXPECT_EQ(leader_.fetches[2].topics[0].partitions[0].fetch_offset, 2);
}

TEST_F(ReplicaFetcherTest, stop_with_requests_outstanding) {
    auto& l = leader_partition();
    l.log.add(2, 0, 'L');
    leader_.hold_fetches = true;
    start(options(), 0);
    ASSERT_TRUE(run_until([&] { return !leader_.fetches.empty(); }));
    fetcher_->stop();
    EXPECT_FALSE(fetcher_->status(tp_).has_value());
    // The dropped request and the closing connection call nothing back.
    run_until([] { return false; }, 100ms);
    EXPECT_TRUE(problems_.empty());
    EXPECT_EQ(follower_->appends, 0);
    EXPECT_EQ(leader_.fetches.size(), 1u);
    std::weak_ptr<replica_fetcher> gone = fetcher_;
    fetcher_.reset();
    io_.restart();
    io_.run_for(20ms);
    EXPECT_TRUE(gone.expired());
}

}  // namespace
}  // namespace sluice::replication

// follower_fetchers against two fake leaders (tests/unit/replication/
// fake_leader.h) on free ports, copying into real partition_logs: partitions
// move between the leaders' fetchers as leadership changes, and every case
// ends with the follower's log byte-identical to what its leader served.
#include "broker/replica/follower_fetchers.h"

#include <gtest/gtest.h>

#include "unit/broker/replica/replica_test_util.h"
#include "unit/replication/fake_leader.h"

namespace sluice::broker::replica {
namespace {

using namespace std::chrono_literals;
using protocol::error_code;
using protocol::leader_epoch;
using protocol::node_id;
using replication::fetch_state;
using replication::topic_partition;
using replication::testing::fake_leader;
using testing::bytes_of;

constexpr node_id node_a(1);
constexpr node_id node_b(2);

class FollowerFetchersTest : public ::testing::Test {
protected:
    void SetUp() override {
        endpoints_[node_a] = {"127.0.0.1", a_.port()};
        endpoints_[node_b] = {"127.0.0.1", b_.port()};
        make_fetchers(1);
    }

    // num.replica.fetchers = `per_leader`.
    void make_fetchers(int32_t per_leader) {
        if (fetchers_) fetchers_->stop();
        replication::replica_fetcher::options o;
        o.replica_id = node_id(7);
        o.max_wait_ms = 20;
        o.partition_max_bytes = 1;  // one batch per fetch: catching up takes rounds
        o.backoff = 30ms;
        o.connect_timeout = 1000ms;
        o.request_timeout = 2000ms;
        fetchers_ = std::make_unique<follower_fetchers>(
            io_.get_executor(), o,
            [this](node_id n) -> std::optional<endpoint> {
                auto it = endpoints_.find(n);
                if (it == endpoints_.end()) return std::nullopt;
                return it->second;
            },
            [this](const topic_partition& tp, error_code e) {
                problems_.emplace_back(tp, e);
                if (on_problem_) on_problem_(tp, e);
            },
            per_leader);
    }

    void TearDown() override {
        fetchers_->stop();
        a_.close_all();
        b_.close_all();
        io_.restart();
        io_.run_for(20ms);  // aborted handlers and retired fetchers go first
    }

    static topic_partition tp(int32_t p) { return {"t", p}; }

    error_code follow(int32_t p, node_id leader, int32_t epoch) {
        auto& adapter = adapters_[p];
        if (!adapter) {
            log::partition_log* log = dirs_.find("t", p);
            if (log == nullptr) log = &dirs_.open(p);
            adapter = std::make_shared<partition_follower_log>(*log, dirs_.lookup());
        }
        return fetchers_->follow(tp(p), replication::testing::test_topic_id, leader, leader_epoch(epoch), adapter);
    }

    bool run_until(const std::function<bool()>& cond, std::chrono::milliseconds limit = 5s) {
        auto deadline = std::chrono::steady_clock::now() + limit;
        io_.restart();
        while (!cond() && std::chrono::steady_clock::now() < deadline)
            io_.run_for(5ms);
        return cond();
    }

    // The follower's log holds what `leader` has, and knows its high watermark.
    bool caught_up(int32_t p, const fake_leader& leader) {
        const log::partition_log* log = dirs_.find("t", p);
        const auto& l = leader.partitions.at(p).log;
        auto s = fetchers_->status(tp(p));
        return log != nullptr && log->log_end_offset() == l.end && log->high_watermark() == std::min(l.hw, l.end) &&
               s && s->state == fetch_state::fetching;
    }

    static protocol::bytes served(const fake_leader& leader, int32_t p) {
        protocol::bytes out;
        for (const auto& b : leader.partitions.at(p).log.batches)
            out.insert(out.end(), b.data.begin(), b.data.end());
        return out;
    }

    void expect_same_as(const fake_leader& leader, int32_t p) {
        const log::partition_log* log = dirs_.find("t", p);
        ASSERT_NE(log, nullptr);
        EXPECT_EQ(bytes_of(*log), served(leader, p));
        EXPECT_EQ(log->leader_epochs().entries(), leader.partitions.at(p).log.epochs.entries());
    }

    // `to` leads partition `p` from now on at `epoch`, holding the first
    // `keep` batches of `from`'s log (the rest never reached it).
    static void hand_over(fake_leader& from, fake_leader& to, int32_t p, size_t keep, int32_t epoch) {
        auto& model = to.partitions[p];
        model.epoch = epoch;
        const auto& old = from.partitions.at(p).log.batches;
        for (size_t i = 0; i < keep && i < old.size(); ++i)
            EXPECT_EQ(model.log.append(old[i].data), error_code::none);
        from.partitions.erase(p);
    }

    boost::asio::io_context io_;
    fake_leader a_{io_};
    fake_leader b_{io_};
    testing::log_dir dirs_;
    std::map<node_id, endpoint> endpoints_;
    std::map<int32_t, std::shared_ptr<partition_follower_log>> adapters_;
    std::vector<std::pair<topic_partition, error_code>> problems_;
    std::function<void(const topic_partition&, error_code)> on_problem_;
    std::unique_ptr<follower_fetchers> fetchers_;
};

TEST_F(FollowerFetchersTest, partitions_move_between_leaders_and_end_identical) {
    for (int32_t p : {0, 1}) {
        auto& m = a_.partitions[p];
        m.epoch = 1;
        m.log.add(3, 1, 'A');
        m.log.add(2, 1, 'A');
        m.log.add(4, 1, 'A');
        m.log.hw = m.log.end;
    }
    ASSERT_EQ(follow(0, node_a, 1), error_code::none);
    ASSERT_EQ(follow(1, node_a, 1), error_code::none);
    EXPECT_EQ(fetchers_->fetcher_count(), 1u);
    ASSERT_TRUE(run_until([&] { return caught_up(0, a_) && caught_up(1, a_); }));
    expect_same_as(a_, 0);
    expect_same_as(a_, 1);
    EXPECT_EQ(a_.connections, 1);  // one fetcher, one connection for both

    // Partition 1 moves to B at epoch 2. B never had A's last batch (an
    // unclean election): the follower must drop it and take B's records.
    hand_over(a_, b_, 1, 2, 2);
    b_.partitions[1].log.add(3, 2, 'B');
    b_.partitions[1].log.add(2, 2, 'B');
    b_.partitions[1].log.hw = b_.partitions[1].log.end;
    ASSERT_EQ(follow(1, node_b, 2), error_code::none);
    EXPECT_EQ(fetchers_->fetcher_count(), 2u);
    EXPECT_EQ(fetchers_->leader_of(tp(1)), node_b);
    // Meanwhile A goes on with partition 0.
    a_.partitions[0].log.add(2, 1, 'A');
    a_.partitions[0].log.hw = a_.partitions[0].log.end;
    ASSERT_TRUE(run_until([&] { return caught_up(1, b_) && caught_up(0, a_); }));
    expect_same_as(b_, 1);
    expect_same_as(a_, 0);
    EXPECT_FALSE(b_.epoch_requests.empty());  // truncation asked B where the histories part

    // Partition 0 moves too: A's fetcher has nothing left and goes.
    hand_over(a_, b_, 0, 4, 2);
    b_.partitions[0].log.add(3, 2, 'B');
    b_.partitions[0].log.hw = b_.partitions[0].log.end;
    ASSERT_EQ(follow(0, node_b, 2), error_code::none);
    EXPECT_EQ(fetchers_->fetcher_count(), 1u);
    ASSERT_TRUE(run_until([&] { return caught_up(0, b_) && caught_up(1, b_); }));
    expect_same_as(b_, 0);
    expect_same_as(b_, 1);
    const size_t a_fetches = a_.fetches.size();
    io_.run_for(100ms);
    EXPECT_EQ(a_.fetches.size(), a_fetches) << "A's fetcher still runs";

    fetchers_->unfollow(tp(0));
    fetchers_->unfollow(tp(1));
    EXPECT_EQ(fetchers_->fetcher_count(), 0u);
    EXPECT_EQ(fetchers_->partition_count(), 0u);
    const size_t b_fetches = b_.fetches.size();
    io_.run_for(100ms);
    EXPECT_LE(b_.fetches.size(), b_fetches + 1) << "B's fetcher still runs";  // one may have been in flight
    EXPECT_TRUE(problems_.empty());
}

TEST_F(FollowerFetchersTest, num_replica_fetchers_spreads_a_leaders_partitions_over_connections) {
    make_fetchers(2);
    for (int32_t p : {0, 1, 2, 3}) {
        auto& m = a_.partitions[p];
        m.epoch = 1;
        m.log.add(3, 1, 'A');
        m.log.add(2, 1, 'A');
        m.log.hw = m.log.end;
        ASSERT_EQ(follow(p, node_a, 1), error_code::none);
    }
    // Consecutive partitions of one topic hash to different fetchers.
    EXPECT_EQ(fetchers_->fetcher_count(), 2u);
    ASSERT_TRUE(run_until([&] { return caught_up(0, a_) && caught_up(1, a_) && caught_up(2, a_) && caught_up(3, a_); }));
    for (int32_t p : {0, 1, 2, 3}) expect_same_as(a_, p);
    EXPECT_EQ(a_.connections, 2);

    // One fetcher empties and goes; the other keeps its partitions.
    fetchers_->unfollow(tp(0));
    fetchers_->unfollow(tp(2));
    EXPECT_EQ(fetchers_->fetcher_count(), 1u);
    a_.partitions[1].log.add(2, 1, 'A');
    a_.partitions[1].log.hw = a_.partitions[1].log.end;
    ASSERT_TRUE(run_until([&] { return caught_up(1, a_) && caught_up(3, a_); }));
    expect_same_as(a_, 1);
    EXPECT_TRUE(problems_.empty());
}

TEST_F(FollowerFetchersTest, problem_reaches_the_owner_and_follow_resumes) {
    auto& m = a_.partitions[0];
    m.epoch = 1;
    m.log.add(3, 1, 'A');
    m.log.hw = m.log.end;
    ASSERT_EQ(follow(0, node_a, 1), error_code::none);
    ASSERT_TRUE(run_until([&] { return caught_up(0, a_); }));
    // The owner re-reads metadata on a problem: the same leader, epoch 2.
    on_problem_ = [this](const topic_partition& t, error_code) {
        EXPECT_EQ(follow(t.partition, node_a, 2), error_code::none);
    };
    m.epoch = 2;  // A leads again at a new epoch the follower has not heard of
    m.log.add(4, 2, 'A');
    m.log.hw = m.log.end;
    ASSERT_TRUE(run_until(
        [&] { return caught_up(0, a_) && fetchers_->status(tp(0))->current_leader_epoch == leader_epoch(2); }));
    ASSERT_FALSE(problems_.empty());
    EXPECT_EQ(problems_.front(), std::make_pair(tp(0), error_code::fenced_leader_epoch));
    EXPECT_EQ(fetchers_->fetcher_count(), 1u);
    expect_same_as(a_, 0);
}

TEST_F(FollowerFetchersTest, deleted_partition_is_reported_and_its_fetcher_goes) {
    auto& m = a_.partitions[0];
    m.epoch = 1;
    m.log.add(3, 1, 'A');
    m.log.hw = m.log.end;
    ASSERT_EQ(follow(0, node_a, 1), error_code::none);
    ASSERT_TRUE(run_until([&] { return caught_up(0, a_); }));
    on_problem_ = [this](const topic_partition& t, error_code) { fetchers_->unfollow(t); };
    dirs_.remove(0);
    m.log.add(2, 1, 'A');
    m.log.hw = m.log.end;
    ASSERT_TRUE(run_until([&] { return fetchers_->fetcher_count() == 0; }));
    ASSERT_EQ(problems_.size(), 1u);
    EXPECT_EQ(problems_.front(), std::make_pair(tp(0), error_code::not_leader_or_follower));
    EXPECT_FALSE(adapters_[0]->alive());
}

TEST_F(FollowerFetchersTest, unknown_leader_endpoint_follows_nowhere) {
    a_.partitions[0].epoch = 1;
    EXPECT_EQ(follow(0, node_id(9), 1), error_code::leader_not_available);
    EXPECT_EQ(fetchers_->partition_count(), 0u);
    ASSERT_EQ(follow(0, node_a, 1), error_code::none);
    EXPECT_EQ(fetchers_->fetcher_count(), 1u);
    // The new leader is not known yet: the old fetcher lets go all the same.
    EXPECT_EQ(follow(0, node_id(9), 2), error_code::leader_not_available);
    EXPECT_EQ(fetchers_->fetcher_count(), 0u);
    EXPECT_EQ(fetchers_->leader_of(tp(0)), std::nullopt);
}

TEST_F(FollowerFetchersTest, leader_restarted_elsewhere_gets_a_new_fetcher) {
    auto& m = a_.partitions[0];
    m.epoch = 1;
    m.log.add(3, 1, 'A');
    m.log.hw = m.log.end;
    ASSERT_EQ(follow(0, node_a, 1), error_code::none);
    ASSERT_TRUE(run_until([&] { return caught_up(0, a_); }));
    // Node 1 comes back listening where B's server is, with its log and more.
    hand_over(a_, b_, 0, 1, 1);
    b_.partitions[0].log.add(2, 1, 'A');
    b_.partitions[0].log.hw = b_.partitions[0].log.end;
    endpoints_[node_a] = {"127.0.0.1", b_.port()};
    ASSERT_EQ(follow(0, node_a, 1), error_code::none);
    EXPECT_EQ(fetchers_->fetcher_count(), 1u);
    ASSERT_TRUE(run_until([&] { return caught_up(0, b_); }));
    expect_same_as(b_, 0);
    EXPECT_EQ(b_.connections, 1);
}

// The leader's log start is inside a batch (DeleteRecords): a new follower
// is out of range, starts empty at the leader's start, and is served that
// whole batch, which its log takes by starting at the batch's base.
TEST_F(FollowerFetchersTest, follower_starting_inside_a_batch_takes_the_whole_batch) {
    auto& m = a_.partitions[0];
    m.epoch = 1;
    m.log.add(5, 1, 'A');
    m.log.add(10, 1, 'A');
    m.log.add(3, 1, 'A');
    m.log.hw = m.log.end;
    m.log.advance_log_start(8);  // inside [5, 14]
    ASSERT_EQ(m.log.batches.front().base, 5);
    dirs_.open(0);
    ASSERT_EQ(follow(0, node_a, 1), error_code::none);
    ASSERT_TRUE(run_until([&] { return caught_up(0, a_); }));
    expect_same_as(a_, 0);
    EXPECT_EQ(dirs_.find("t", 0)->log_start_offset(), 8);  // the leader's, once the high watermark passed it
    EXPECT_TRUE(problems_.empty());
}

}  // namespace
}  // namespace sluice::broker::replica

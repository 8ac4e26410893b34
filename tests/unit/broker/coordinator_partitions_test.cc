// A coordinator in cluster mode serves the groups of the __consumer_offsets
// partitions it leads: loaded when the leadership arrives (answering
// COORDINATOR_LOAD_IN_PROGRESS until then), dropped when it goes (waiting
// members answered NOT_COORDINATOR). The leadership is moved by hand here,
// as cluster_roles moves it from the store's decisions.
#include <boost/asio/io_context.hpp>

#include "broker/groups/offsets_topic.h"
#include "broker/topics/partition_leader.h"
#include "unit/broker/group_coordinator_fixture.h"

namespace sluice::broker::groups::test {
namespace {

class CoordinatorPartitions : public GroupCoordinator {
protected:
    void SetUp() override {
        GroupCoordinator::SetUp();
        coordinator_settings s;
        s.offsets_partitions = 3;
        s.min_session_timeout_ms = 10;
        s.initial_rebalance_delay_ms = 0;
        s.cluster = true;
        cluster_ = std::make_unique<coordinator>(*b_, s);
        other_ = cluster_.get();
        ASSERT_EQ(cluster_->ensure_offsets_topic(), error_code::none);
        partition_ = partition_for_group("g", 3);
    }
    void TearDown() override {
        other_ = nullptr;
        cluster_.reset();
    }

    partition_state& offsets_partition() { return *b_->topics().find(std::string(offsets_topic_name), partition_); }
    void run_posted() {
        b_->io().restart();
        b_->io().poll();
    }
    void lose_leadership() {
        become_follower(offsets_partition(), protocol::node_id(2), protocol::leader_epoch(5), 1,
                        {protocol::node_id(b_->config().node_id), protocol::node_id(2)},
                        {protocol::node_id(b_->config().node_id), protocol::node_id(2)});
        cluster_->resigned(partition_);
    }
    void regain_leadership(int32_t epoch) {
        const protocol::node_id self(b_->config().node_id);
        become_leader(offsets_partition(), protocol::leader_epoch(epoch), 2, {self}, {self}, now_ms());
        cluster_->elected(partition_);
    }
    protocol::offset_commit_response commit(int64_t offset) {
        protocol::offset_commit_request req;
        req.group_id = "g";
        req.generation_id_or_member_epoch = -1;
        auto& t = req.topics.emplace_back();
        t.name = "t";
        auto& p = t.partitions.emplace_back();
        p.partition_index = 0;
        p.committed_offset = offset;
        std::optional<protocol::offset_commit_response> out;
        cluster_->commit_offsets(req, 8, [&](protocol::offset_commit_response r) { out = std::move(r); });
        EXPECT_TRUE(out.has_value()) << "a leader that is the whole ISR answers at once";
        return out.value_or(protocol::offset_commit_response{});
    }

    std::unique_ptr<coordinator> cluster_;
    int32_t partition_ = 0;
};

TEST_F(CoordinatorPartitions, groups_are_served_only_once_the_elected_partition_is_loaded) {
    // Leading (a single node leads every partition) but not loaded yet.
    EXPECT_EQ(cluster_->serving("g"), error_code::coordinator_load_in_progress);
    cluster_->elected(partition_);
    EXPECT_EQ(cluster_->serving("g"), error_code::coordinator_load_in_progress) << "loads on the next turn";
    run_posted();
    EXPECT_EQ(cluster_->serving("g"), error_code::none);
}

TEST_F(CoordinatorPartitions, losing_the_partition_answers_waiting_members_and_a_new_election_reloads_it) {
    create_topic("t", 1);
    cluster_->elected(partition_);
    run_posted();
    EXPECT_EQ(commit(42).topics.at(0).partitions.at(0).error_code, 0);

    // A stable group of two; one member rejoins and waits for the other.
    formed_group g = form_stable("g", 2);
    ASSERT_EQ(g.ids.size(), 2u);
    auto waiting = join(join_req("g", g.ids[0]));
    ASSERT_FALSE(waiting->done());

    lose_leadership();
    EXPECT_EQ(cluster_->serving("g"), error_code::not_coordinator);
    ASSERT_TRUE(waiting->done());
    EXPECT_EQ(waiting->r().error_code, wire(error_code::not_coordinator));
    EXPECT_EQ(heartbeat("g", g.ids[1], g.generation), error_code::not_coordinator);
    EXPECT_EQ(commit(43).topics.at(0).partitions.at(0).error_code, wire(error_code::not_coordinator));
    std::vector<coordinator::fetched_offset> out;
    EXPECT_EQ(cluster_->fetch_offsets("g", std::nullopt, out), error_code::not_coordinator);

    // Leading again: the group's offsets come back from the log.
    regain_leadership(6);
    EXPECT_EQ(cluster_->serving("g"), error_code::coordinator_load_in_progress);
    run_posted();
    ASSERT_EQ(cluster_->serving("g"), error_code::none);
    out.clear();
    ASSERT_EQ(cluster_->fetch_offsets("g", coordinator::fetch_topics{{{"t", {0}}}}, out), error_code::none);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out.front().offset.offset, 42);
}

TEST_F(CoordinatorPartitions, a_resignation_before_the_load_cancels_it) {
    cluster_->elected(partition_);
    lose_leadership();
    run_posted();
    EXPECT_EQ(cluster_->serving("g"), error_code::not_coordinator);
}

}  // namespace
}  // namespace sluice::broker::groups::test

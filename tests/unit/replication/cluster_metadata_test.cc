// The cluster metadata store against a real etcd: topics created, grown,
// reconfigured and deleted; two brokers' mirrors agreeing; concurrent
// writers — one wins, the other is told; partition updates fenced.
#include "replication/cluster_metadata.h"

#include <gtest/gtest.h>

#include "protocol/uuid_text.h"
#include "unit/replication/etcd_fixture.h"

namespace sluice::replication {
namespace {

using namespace std::chrono_literals;
using protocol::error_code;

class ClusterMetadataTest : public testing::EtcdTest {
protected:
    std::unique_ptr<cluster_metadata> mirror(std::set<std::string>* changes = nullptr) {
        auto m = std::make_unique<cluster_metadata>(io_.get_executor(), client_, keys_, [changes](const auto& c) {
            if (changes) changes->insert(c.begin(), c.end());
        });
        bool started = false;
        m->start([&] { started = true; });
        EXPECT_TRUE(run_until([&] { return started; }, 10s));
        return m;
    }

    topic_record topic(const std::string& name, int32_t partitions) {
        return topic_record{name, protocol::random_uuid(), partitions, 3, {{"cleanup.policy", "compact"}}};
    }

    static std::map<int32_t, std::vector<int32_t>> replicas(int32_t from, int32_t count) {
        std::map<int32_t, std::vector<int32_t>> r;
        for (int32_t p = from; p < from + count; ++p) r[p] = {p % 3 + 1, (p + 1) % 3 + 1, (p + 2) % 3 + 1};
        return r;
    }

    // A write, then wait until `m` has applied it.
    write_result write(cluster_metadata& m, std::function<void(cluster_metadata::write_callback)> start) {
        auto r = await<write_result>(start);
        EXPECT_TRUE(r.has_value());
        if (r && r->ok()) {
            bool seen = false;
            m.after(r->revision, [&] { seen = true; });
            EXPECT_TRUE(run_until([&] { return seen; }, 5s));
        }
        return r.value_or(write_result{error_code::unknown_server_error, "no answer", false, 0});
    }

    cluster_keys keys_{"/c"};
};

TEST_F(ClusterMetadataTest, a_created_topic_appears_in_every_mirror) {
    std::set<std::string> seen_by_b;
    auto a = mirror();
    auto b = mirror(&seen_by_b);
    topic_record t = topic("orders", 3);
    auto r = write(*a, [&](auto cb) { a->create_topic(t, replicas(0, 3), cb); });
    ASSERT_TRUE(r.ok()) << r.message;

    const auto* in_a = a->find("orders");
    ASSERT_NE(in_a, nullptr);
    EXPECT_EQ(in_a->topic, t);
    EXPECT_EQ(a->find(t.topic_id), in_a);
    const auto& parts = a->partitions_of(t.topic_id);
    ASSERT_EQ(parts.size(), 3u);
    EXPECT_EQ(parts.at(1).state.replicas, (std::vector<int32_t>{2, 3, 1}));
    EXPECT_EQ(parts.at(1).state.leader, 2);

    ASSERT_TRUE(run_until([&] { return b->find("orders") != nullptr && b->partitions_of(t.topic_id).size() == 3; }, 5s));
    EXPECT_TRUE(seen_by_b.contains("orders"));
    EXPECT_EQ(b->find("orders")->topic, t);
}

TEST_F(ClusterMetadataTest, a_taken_name_is_topic_already_exists) {
    auto a = mirror();
    ASSERT_TRUE(write(*a, [&](auto cb) { a->create_topic(topic("t", 1), replicas(0, 1), cb); }).ok());
    auto again = write(*a, [&](auto cb) { a->create_topic(topic("t", 2), replicas(0, 2), cb); });
    EXPECT_EQ(again.code, error_code::topic_already_exists);
    EXPECT_EQ(again.message, "Topic 't' already exists.");
}

TEST_F(ClusterMetadataTest, two_brokers_creating_one_name_at_once_one_wins_and_nothing_is_left_behind) {
    auto a = mirror();
    auto b = mirror();
    topic_record ta = topic("race", 150);  // more partitions than one transaction takes
    topic_record tb = topic("race", 150);
    std::optional<write_result> ra, rb;
    a->create_topic(ta, replicas(0, 150), [&](write_result r) { ra = r; });
    b->create_topic(tb, replicas(0, 150), [&](write_result r) { rb = r; });
    ASSERT_TRUE(run_until([&] { return ra && rb; }, 20s));
    EXPECT_NE(ra->ok(), rb->ok());
    const write_result& lost = ra->ok() ? *rb : *ra;
    EXPECT_EQ(lost.code, error_code::topic_already_exists);
    const topic_record& winner = ra->ok() ? ta : tb;
    const topic_record& loser = ra->ok() ? tb : ta;

    ASSERT_TRUE(run_until([&] { return count("/c/partitions/" + protocol::to_base64url(loser.topic_id) + "/") == 0; }, 5s));
    EXPECT_EQ(count("/c/partitions/" + protocol::to_base64url(winner.topic_id) + "/"), 150u);
    ASSERT_TRUE(run_until([&] { return b->find("race") != nullptr && a->find("race") != nullptr; }, 5s));
    EXPECT_EQ(a->find("race")->topic.topic_id, winner.topic_id);
    EXPECT_EQ(b->find("race")->topic.topic_id, winner.topic_id);
    EXPECT_EQ(b->partitions_of(winner.topic_id).size(), 150u);
}

TEST_F(ClusterMetadataTest, delete_removes_topic_and_partitions_and_a_recreation_starts_clean) {
    auto a = mirror();
    topic_record old_t = topic("t", 2);
    ASSERT_TRUE(write(*a, [&](auto cb) { a->create_topic(old_t, replicas(0, 2), cb); }).ok());
    ASSERT_TRUE(write(*a, [&](auto cb) { a->delete_topic("t", cb); }).ok());
    EXPECT_EQ(a->find("t"), nullptr);
    EXPECT_TRUE(a->partitions_of(old_t.topic_id).empty());
    EXPECT_EQ(count("/c/"), 0u);
    EXPECT_EQ(write(*a, [&](auto cb) { a->delete_topic("t", cb); }).code, error_code::unknown_topic_or_partition);

    topic_record new_t = topic("t", 1);
    ASSERT_TRUE(write(*a, [&](auto cb) { a->create_topic(new_t, replicas(0, 1), cb); }).ok());
    EXPECT_EQ(a->find("t")->topic.topic_id, new_t.topic_id);
    EXPECT_EQ(a->partitions_of(new_t.topic_id).size(), 1u);
}

TEST_F(ClusterMetadataTest, a_write_from_a_stale_mirror_is_a_conflict) {
    auto a = mirror();
    auto b = mirror();
    ASSERT_TRUE(write(*a, [&](auto cb) { a->create_topic(topic("t", 1), replicas(0, 1), cb); }).ok());
    ASSERT_TRUE(run_until([&] { return b->find("t") != nullptr; }, 5s));
    b->stop();  // b's view freezes here

    ASSERT_TRUE(write(*a, [&](auto cb) { a->set_configs("t", {{"retention.ms", "1000"}}, cb); }).ok());
    auto stale = await<write_result>([&](auto cb) { b->set_configs("t", {{"retention.ms", "5"}}, cb); });
    ASSERT_TRUE(stale.has_value());
    EXPECT_TRUE(stale->conflict);
    EXPECT_FALSE(stale->ok());
    EXPECT_EQ(a->find("t")->topic.configs, (std::map<std::string, std::string>{{"retention.ms", "1000"}}));
}

TEST_F(ClusterMetadataTest, partitions_are_added_after_the_existing_ones) {
    auto a = mirror();
    topic_record t = topic("t", 2);
    ASSERT_TRUE(write(*a, [&](auto cb) { a->create_topic(t, replicas(0, 2), cb); }).ok());
    EXPECT_EQ(write(*a, [&](auto cb) { a->add_partitions("t", replicas(3, 1), cb); }).code,
              error_code::invalid_partitions);
    ASSERT_TRUE(write(*a, [&](auto cb) { a->add_partitions("t", replicas(2, 3), cb); }).ok());
    EXPECT_EQ(a->find("t")->topic.partition_count, 5);
    EXPECT_EQ(a->partitions_of(t.topic_id).size(), 5u);
}

TEST_F(ClusterMetadataTest, partition_updates_compare_the_state_read_and_the_guards) {
    auto a = mirror();
    topic_record t = topic("t", 1);
    ASSERT_TRUE(write(*a, [&](auto cb) { a->create_topic(t, replicas(0, 1), cb); }).ok());
    partition_registration next = *after_broker_change(a->partitions_of(t.topic_id).at(0).state, {2, 3}, false);

    // A guard that does not hold (a deposed controller's fence) refuses the write.
    auto fenced = await<write_result>([&](auto cb) {
        a->update_partition(t.topic_id, 0, next, {etcd::compare::created_at("/c/controller", 12345)}, cb);
    });
    ASSERT_TRUE(fenced.has_value());
    EXPECT_TRUE(fenced->conflict);

    ASSERT_TRUE(write(*a, [&](auto cb) { a->update_partition(t.topic_id, 0, next, {}, cb); }).ok());
    EXPECT_EQ(a->partitions_of(t.topic_id).at(0).state, next);
    EXPECT_EQ(a->partitions_of(t.topic_id).at(0).state.leader, 2);

    EXPECT_EQ(write(*a, [&](auto cb) { a->update_partition(t.topic_id, 7, next, {}, cb); }).code,
              error_code::unknown_topic_or_partition);
}

TEST_F(ClusterMetadataTest, cluster_id_is_stored_once_and_checked) {
    auto a = mirror();
    auto first = await<etcd::result<std::string>>([&](auto cb) { a->ensure_cluster_id(std::nullopt, cb); });
    ASSERT_TRUE(first && first->ok());
    EXPECT_EQ(first->value().size(), 22u);
    auto again = await<etcd::result<std::string>>([&](auto cb) { a->ensure_cluster_id(std::nullopt, cb); });
    ASSERT_TRUE(again && again->ok());
    EXPECT_EQ(again->value(), first->value());
    auto configured = await<etcd::result<std::string>>([&](auto cb) { a->ensure_cluster_id(first->value(), cb); });
    ASSERT_TRUE(configured && configured->ok());
    auto wrong = await<etcd::result<std::string>>([&](auto cb) { a->ensure_cluster_id("AAAAAAAAAAAAAAAAAAAAAA", cb); });
    ASSERT_TRUE(wrong.has_value());
    ASSERT_FALSE(wrong->ok());
    EXPECT_NE(wrong->err().message.find("does not match"), std::string::npos);
}

TEST_F(ClusterMetadataTest, unreadable_records_are_ignored) {
    ASSERT_TRUE(await<etcd::result<etcd::header>>([&](auto cb) { client_.put(etcd::put_op{"/c/topics/bad", "{", 0}, cb); }));
    ASSERT_TRUE(await<etcd::result<etcd::header>>(
        [&](auto cb) { client_.put(etcd::put_op{"/c/partitions/xyz/notanumber", "{}", 0}, cb); }));
    auto a = mirror();
    EXPECT_EQ(a->find("bad"), nullptr);
    EXPECT_TRUE(a->topics().empty());
    // A good topic still works beside them.
    ASSERT_TRUE(write(*a, [&](auto cb) { a->create_topic(topic("good", 1), replicas(0, 1), cb); }).ok());
    EXPECT_NE(a->find("good"), nullptr);
}

}  // namespace
}  // namespace sluice::replication

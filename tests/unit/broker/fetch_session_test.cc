// Fetch sessions: the partition index (find, add, forget in O(1)), Kafka's
// response order, and the session cache.
#include "broker/fetch/fetch_session.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice::broker {
namespace {

protocol::uuid id_of(uint8_t n) {
    protocol::uuid id;
    id.value[0] = n;
    return id;
}

session_partition part(const std::string& topic, int32_t p, protocol::uuid id = {}) {
    session_partition sp;
    sp.topic = topic;
    sp.topic_id = id;
    sp.partition = p;
    return sp;
}

std::vector<std::string> order(session_partitions& ps) {
    std::vector<std::string> out;
    for (auto& sp : ps) out.push_back(sp.topic + "-" + std::to_string(sp.partition));
    return out;
}

TEST(SessionPartitions, FindsByNameWhateverTheId) {
    // A v12 request (no ids) and a v13 one (id resolved to the name) agree.
    session_partitions ps;
    ps.add(part("a", 0, id_of(1)));
    ASSERT_NE(ps.find("a", {}, 0), nullptr);
    EXPECT_EQ(ps.find("a", id_of(1), 0), ps.find("a", {}, 0));
    EXPECT_EQ(ps.find("a", {}, 1), nullptr);
    EXPECT_EQ(ps.find("b", {}, 0), nullptr);
}

TEST(SessionPartitions, AddingAgainKeepsTheOneThere) {
    session_partitions ps;
    session_partition& first = ps.add(part("a", 0));
    first.fetch_offset = 5;
    EXPECT_EQ(&ps.add(part("a", 0)), &first);
    EXPECT_EQ(ps.size(), 1u);
    EXPECT_EQ(first.fetch_offset, 5);
}

TEST(SessionPartitions, UnknownTopicIdsAreToldApartById) {
    // Two ids that resolve to no topic, same partition: forgetting one keeps
    // the other (a scan by empty name used to forget both).
    session_partitions ps;
    ps.add(part("", 0, id_of(1)));
    ps.add(part("", 0, id_of(2)));
    EXPECT_EQ(ps.size(), 2u);
    ps.forget("", id_of(1), 0);
    EXPECT_EQ(ps.find("", id_of(1), 0), nullptr);
    ASSERT_NE(ps.find("", id_of(2), 0), nullptr);
}

TEST(SessionPartitions, ForgetRemovesOnlyThatPartition) {
    session_partitions ps;
    for (int32_t p = 0; p < 3; ++p) ps.add(part("a", p));
    ps.forget("a", {}, 1);
    ps.forget("a", {}, 7);  // not in the session: nothing
    EXPECT_EQ(order(ps), (std::vector<std::string>{"a-0", "a-2"}));
    EXPECT_EQ(ps.find("a", {}, 1), nullptr);
    ps.add(part("a", 1));  // back, at the end
    EXPECT_EQ(order(ps), (std::vector<std::string>{"a-0", "a-2", "a-1"}));
}

TEST(SessionPartitions, ServedPartitionsMoveToTheBackInOrder) {
    session_partitions ps;
    for (int32_t p = 0; p < 5; ++p) ps.add(part("a", p));
    ps.find("a", {}, 0)->sent_records = true;
    ps.find("a", {}, 3)->sent_records = true;
    session_partition* three = ps.find("a", {}, 3);
    ps.move_served_to_back();
    EXPECT_EQ(order(ps), (std::vector<std::string>{"a-1", "a-2", "a-4", "a-0", "a-3"}));
    // Nodes stay where they are: the index and outside pointers still hold.
    EXPECT_EQ(ps.find("a", {}, 3), three);
    ps.forget("a", {}, 0);
    EXPECT_EQ(order(ps), (std::vector<std::string>{"a-1", "a-2", "a-4", "a-3"}));
}

TEST(SessionPartitions, ThousandsOfPartitionsAddForgetAndFind) {
    session_partitions ps;
    for (int32_t p = 0; p < 10000; ++p) ps.add(part("t", p));
    for (int32_t p = 0; p < 10000; p += 2) ps.forget("t", {}, p);
    EXPECT_EQ(ps.size(), 5000u);
    for (int32_t p = 0; p < 10000; ++p) EXPECT_EQ(ps.find("t", {}, p) != nullptr, p % 2 == 1);
}

TEST(FetchSessionCache, FindsRemovesAndEvictsTheLeastRecentlyUsed) {
    fetch_session_cache cache(2);
    int32_t a = cache.create().id;
    int32_t b = cache.create().id;
    EXPECT_NE(a, b);
    ASSERT_NE(cache.find(a), nullptr);  // a is now the most recent
    int32_t c = cache.create().id;      // evicts b
    EXPECT_EQ(cache.find(b), nullptr);
    ASSERT_NE(cache.find(a), nullptr);
    ASSERT_NE(cache.find(c), nullptr);
    EXPECT_EQ(cache.find(c)->id, c);
    cache.remove(a);
    EXPECT_EQ(cache.find(a), nullptr);
    EXPECT_EQ(cache.size(), 1u);
    cache.remove(a);  // twice: nothing
    EXPECT_EQ(cache.size(), 1u);
}

}  // namespace
}  // namespace sluice::broker

// Metadata's answers: this node as the only broker, every topic or the ones
// asked for (by name or id), auto-creation only when both sides allow it,
// and the errors for bad names and unknown topics.
#include <gtest/gtest.h>

#include "broker/handlers/metadata.h"
#include "replication/metadata_store.h"
#include "unit/broker/forwarding_store.h"
#include "unit/broker/handler_fixture.h"
#include "unit/broker/registry_calls.h"

namespace sluice::broker {
namespace {

using protocol::error_code;
using protocol::to_wire;
using request_t = protocol::metadata_request;
using response_t = protocol::metadata_response;

request_t ask_names(std::vector<std::string> names, bool allow_create = true) {
    request_t req;
    req.topics.emplace();
    for (auto& n : names) {
        request_t::metadata_request_topic t;
        t.name = n;
        req.topics->push_back(t);
    }
    req.allow_auto_topic_creation = allow_create;
    return req;
}

class MetadataTest : public testing::HandlerTest {
protected:
    metadata_view view() {
        return metadata_view{topics_, 7, endpoint{"broker.example", 19092}, "test-cluster",
                             [this](const std::string& name) {
                                 created_.push_back(name);
                                 return testing::create_now(topics_, name, 3, 1, {}, false).code;
                             }};
    }
    std::vector<std::string> created_;
};

TEST_F(MetadataTest, this_node_is_the_only_broker_controller_and_leader) {
    create_topic("t", 2);
    response_t r = answer_metadata(request_t{}, 12, view());
    ASSERT_EQ(r.brokers.size(), 1u);
    EXPECT_EQ(r.brokers[0].node_id, 7);
    EXPECT_EQ(r.brokers[0].host, "broker.example");
    EXPECT_EQ(r.brokers[0].port, 19092);
    EXPECT_EQ(r.controller_id, 7);
    EXPECT_EQ(r.cluster_id, "test-cluster");
    ASSERT_EQ(r.topics.size(), 1u);
    ASSERT_EQ(r.topics[0].partitions.size(), 2u);
    for (const auto& p : r.topics[0].partitions) {
        EXPECT_EQ(p.leader_id, 7);
        EXPECT_EQ(p.replica_nodes, std::vector<int32_t>{7});
        EXPECT_EQ(p.isr_nodes, std::vector<int32_t>{7});
    }
}

// The cluster's store at a moment without a controller: everything else
// comes from the local store underneath.
class between_controllers final : public testing::forwarding_store {
public:
    using forwarding_store::forwarding_store;
    std::optional<protocol::node_id> controller_id() const override { return std::nullopt; }
};

TEST_F(MetadataTest, between_two_controllers_this_broker_is_named_controller) {
    // librdkafka shown -1 waits for a controller and may never ask again:
    // its CreateTopics then times out although any broker would take it.
    between_controllers store(*store_);
    metadata_view v = view();
    v.cluster = &store;
    response_t r = answer_metadata(request_t{}, 12, v);
    EXPECT_EQ(r.controller_id, 7);
}

TEST_F(MetadataTest, null_list_means_all_topics_and_empty_list_means_all_only_in_v0) {
    create_topic("a", 1);
    create_topic("b", 1);
    EXPECT_EQ(answer_metadata(request_t{}, 1, view()).topics.size(), 2u);  // null: all

    request_t empty;
    empty.topics.emplace();
    EXPECT_EQ(answer_metadata(empty, 0, view()).topics.size(), 2u);
    EXPECT_TRUE(answer_metadata(empty, 1, view()).topics.empty());
}

TEST_F(MetadataTest, missing_topic_is_created_when_the_request_allows_it) {
    response_t r = answer_metadata(ask_names({"fresh"}), 9, view());
    ASSERT_EQ(r.topics.size(), 1u);
    EXPECT_EQ(r.topics[0].error_code, 0);
    EXPECT_EQ(r.topics[0].partitions.size(), 3u);
    EXPECT_EQ(created_, std::vector<std::string>{"fresh"});
    EXPECT_NE(topics_.find("fresh"), nullptr);
}

TEST_F(MetadataTest, missing_topic_is_unknown_when_the_request_forbids_creation) {
    response_t r = answer_metadata(ask_names({"fresh"}, false), 9, view());
    EXPECT_EQ(r.topics[0].error_code, to_wire(error_code::unknown_topic_or_partition));
    EXPECT_TRUE(created_.empty());
    EXPECT_EQ(topics_.find("fresh"), nullptr);
}

TEST_F(MetadataTest, auto_create_refusal_is_passed_on) {
    metadata_view v = view();
    v.auto_create = [](const std::string&) { return error_code::unknown_topic_or_partition; };
    response_t r = answer_metadata(ask_names({"fresh"}), 9, v);
    EXPECT_EQ(r.topics[0].error_code, to_wire(error_code::unknown_topic_or_partition));
}

TEST_F(MetadataTest, invalid_name_is_refused_without_creating) {
    response_t r = answer_metadata(ask_names({"bad name!", std::string(250, 'x')}), 9, view());
    ASSERT_EQ(r.topics.size(), 2u);
    EXPECT_EQ(r.topics[0].error_code, to_wire(error_code::invalid_topic_exception));
    EXPECT_EQ(r.topics[1].error_code, to_wire(error_code::invalid_topic_exception));
    EXPECT_TRUE(created_.empty());
}

TEST_F(MetadataTest, topics_by_id) {
    create_topic("t", 1);
    protocol::uuid id = topics_.find("t")->meta.topic_id;
    request_t req;
    req.topics.emplace();
    request_t::metadata_request_topic known;
    known.topic_id = id;
    request_t::metadata_request_topic unknown;
    unknown.topic_id = protocol::uuid{{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};
    req.topics->push_back(known);
    req.topics->push_back(unknown);

    response_t r = answer_metadata(req, 12, view());
    ASSERT_EQ(r.topics.size(), 2u);
    EXPECT_EQ(r.topics[0].error_code, 0);
    EXPECT_EQ(r.topics[0].name, std::optional<std::string>("t"));
    EXPECT_EQ(r.topics[1].error_code, to_wire(error_code::unknown_topic_id));
    EXPECT_EQ(r.topics[1].name, std::nullopt);
    EXPECT_EQ(r.topics[1].topic_id, unknown.topic_id);
}

TEST_F(MetadataTest, internal_topics_are_marked) {
    create_topic("__consumer_offsets", 1);
    create_topic("plain", 1);
    response_t r = answer_metadata(request_t{}, 12, view());
    ASSERT_EQ(r.topics.size(), 2u);
    for (const auto& t : r.topics) EXPECT_EQ(t.is_internal, t.name == "__consumer_offsets") << *t.name;
}

}  // namespace
}  // namespace sluice::broker

// Metadata under ACLs: topics without DESCRIBE are hidden from an
// all-topics answer and refused when named (existing or not, so names do
// not leak), auto-creation needs CREATE, and the authorized-operations
// fields report what the principal may do (everything when ACLs are off).
#include <gtest/gtest.h>

#include "broker/handlers/metadata.h"
#include "broker/security/authorizer.h"
#include "unit/broker/handler_fixture.h"
#include "unit/broker/registry_calls.h"

namespace sluice::broker {
namespace {

using protocol::error_code;
using protocol::to_wire;
using request_t = protocol::metadata_request;
using security::acl_operation;
using security::resource_type;

request_t ask(std::vector<std::string> names, bool allow_create = true) {
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

class MetadataAuthorizationTest : public testing::HandlerTest {
protected:
    MetadataAuthorizationTest() : auth_({true, {}, false}, *store_, io_.get_executor()) {}

    void grant(resource_type type, std::string name, acl_operation op) {
        bool done = false;
        auth_.create({{type, std::move(name), security::pattern_type::literal, "User:ANONYMOUS", "*", op,
                       security::acl_permission::allow}},
                     [&](std::vector<replication::op_result> r) { done = r.at(0).ok(); });
        io_.restart();
        io_.poll();
        ASSERT_TRUE(done);
    }

    metadata_view view(bool enforce = true) {
        return metadata_view{topics_,
                             0,
                             endpoint{"localhost", 9092},
                             "c",
                             [this](const std::string& name) {
                                 created_.push_back(name);
                                 return testing::create_now(topics_, name, 1, 1, {}, false).code;
                             },
                             nullptr,
                             enforce ? &auth_ : nullptr,
                             {"User:ANONYMOUS", "127.0.0.1"}};
    }

    security::authorizer auth_;
    std::vector<std::string> created_;
};

TEST_F(MetadataAuthorizationTest, all_topics_shows_only_describable_ones) {
    create_topic("seen", 1);
    create_topic("hidden", 1);
    grant(resource_type::topic, "seen", acl_operation::read);  // READ implies DESCRIBE
    auto r = answer_metadata(request_t{}, 12, view());
    ASSERT_EQ(r.topics.size(), 1u);
    EXPECT_EQ(r.topics[0].name, "seen");
    EXPECT_EQ(answer_metadata(request_t{}, 12, view(false)).topics.size(), 2u);
}

TEST_F(MetadataAuthorizationTest, named_topics_without_describe_are_refused_existing_or_not) {
    create_topic("hidden", 1);
    auto r = answer_metadata(ask({"hidden", "absent"}), 12, view());
    ASSERT_EQ(r.topics.size(), 2u);
    for (const auto& t : r.topics) {
        EXPECT_EQ(t.error_code, to_wire(error_code::topic_authorization_failed)) << *t.name;
        EXPECT_TRUE(t.partitions.empty());
    }
    EXPECT_TRUE(created_.empty());
}

TEST_F(MetadataAuthorizationTest, auto_creation_needs_create_on_topic_or_cluster) {
    grant(resource_type::topic, "a", acl_operation::describe);
    grant(resource_type::topic, "b", acl_operation::describe);
    grant(resource_type::topic, "b", acl_operation::create);
    auto r = answer_metadata(ask({"a", "b"}), 12, view());
    EXPECT_EQ(r.topics[0].error_code, to_wire(error_code::topic_authorization_failed));
    EXPECT_EQ(r.topics[1].error_code, 0);
    EXPECT_EQ(created_, std::vector<std::string>{"b"});
    grant(resource_type::cluster, "kafka-cluster", acl_operation::create);
    r = answer_metadata(ask({"a"}), 12, view());
    EXPECT_EQ(r.topics[0].error_code, 0);
}

TEST_F(MetadataAuthorizationTest, authorized_operations_when_asked) {
    create_topic("t", 1);
    grant(resource_type::topic, "t", acl_operation::write);
    grant(resource_type::cluster, "kafka-cluster", acl_operation::alter);
    auto req = ask({"t"}, false);
    req.include_topic_authorized_operations = true;
    req.include_cluster_authorized_operations = true;
    auto bit = [](acl_operation o) { return 1 << static_cast<int>(o); };
    auto r = answer_metadata(req, 10, view());
    EXPECT_EQ(r.topics.at(0).topic_authorized_operations, bit(acl_operation::write) | bit(acl_operation::describe));
    EXPECT_EQ(r.cluster_authorized_operations, bit(acl_operation::alter) | bit(acl_operation::describe));
    // ACLs off: everything the resource type supports.
    r = answer_metadata(req, 10, view(false));
    EXPECT_EQ(r.topics.at(0).topic_authorized_operations, security::supported_operations(resource_type::topic));
    // Not asked: Kafka's "not provided" value.
    r = answer_metadata(ask({"t"}, false), 10, view());
    EXPECT_EQ(r.topics.at(0).topic_authorized_operations, INT32_MIN);
    EXPECT_EQ(r.cluster_authorized_operations, INT32_MIN);
}

}  // namespace
}  // namespace sluice::broker

// Handlers on a broker with ACLs enforced (built in a temp dir, never run),
// called as different principals: the checks the integration tests cannot
// reach from a PLAINTEXT client, whose principal is always User:ANONYMOUS
// (broker-to-broker requests, KIP-848 heartbeats, cluster admin APIs).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "broker/broker.h"
#include "broker/handlers/handlers.h"
#include "broker/security/authorizer.h"
#include "protocol/generated/consumer_group_heartbeat.h"
#include "protocol/generated/delete_topics.h"
#include "protocol/generated/describe_configs.h"
#include "protocol/generated/fetch.h"
#include "protocol/generated/list_partition_reassignments.h"
#include "protocol/generated/write_txn_markers.h"
#include "unit/broker/registry_calls.h"
#include "unit/temp_dir.h"

namespace sluice::broker {
namespace {

using protocol::error_code;
using protocol::to_wire;
using security::acl_operation;
using security::resource_type;

const std::string admin = "User:admin";
const std::string alice = "User:alice";

class HandlerAuthorizationTest : public ::testing::Test {
protected:
    HandlerAuthorizationTest() {
        broker_config cfg;
        cfg.listeners = {{"PLAINTEXT", "127.0.0.1", 0, "PLAINTEXT"}};
        cfg.advertised_listeners = cfg.listeners;
        cfg.log_dirs = {dir_.path().string()};
        cfg.authorizer_enabled = true;
        cfg.super_users = {admin};
        b_ = std::make_unique<broker>(cfg);
        auto r = testing::create_now(b_->topics(), "t", 1, 1, {}, false);
        EXPECT_TRUE(r.ok()) << r.message;
    }

    void grant(resource_type type, std::string name, acl_operation op, std::string principal = alice) {
        bool ok = false;
        b_->authorizer().create({{type, std::move(name), security::pattern_type::literal, std::move(principal), "*", op,
                                  security::acl_permission::allow}},
                                [&](std::vector<replication::op_result> r) { ok = r.at(0).ok(); });
        ASSERT_TRUE(ok);  // the local store answers at once
    }

    // Encodes `body`, runs the handler as `principal` and decodes its answer
    // (a deferred one included: the local store answers at once).
    template <typename Response, typename Request>
    Response call(handler_fn handle, const Request& body, int16_t version, const std::string& principal) {
        protocol::writer w;
        body.encode(w, version);
        frames_.push_back(std::move(w.buffer()));
        request req;
        req.api_key = Request::api_key;
        req.api_version = version;
        req.body = std::span<uint8_t>(frames_.back().data(), frames_.back().size());
        auto origin = std::make_shared<session>();
        origin->principal = principal;
        origin->client_host = "127.0.0.1";
        req.origin = origin;
        handler_result result = handle(*b_, req);
        protocol::writer out = std::move(result.body);
        if (result.deferred) {
            bool answered = false;
            result.deferred([&](protocol::writer answer) {
                out = std::move(answer);
                answered = true;
            });
            EXPECT_TRUE(answered);
        }
        protocol::bytes flat;
        EXPECT_TRUE(out.flatten(flat));
        protocol::reader r(flat);
        Response response;
        response.decode(r, version);
        EXPECT_TRUE(r.ok());
        return response;
    }

    sluice::testing::temp_dir dir_{"sluice-handler-authz"};
    std::unique_ptr<broker> b_;
    std::vector<protocol::bytes> frames_;
};

TEST_F(HandlerAuthorizationTest, follower_fetch_needs_cluster_action) {
    protocol::fetch_request body;
    body.replica_id = 1;
    body.max_bytes = 1 << 20;
    auto& t = body.topics.emplace_back();
    t.topic = "t";
    auto& p = t.partitions.emplace_back();
    p.partition_max_bytes = 1 << 20;
    auto refused = call<protocol::fetch_response>(handle_fetch, body, 12, alice);
    EXPECT_EQ(refused.responses.at(0).partitions.at(0).error_code, to_wire(error_code::topic_authorization_failed));
    // READ on the topic is not enough for a follower.
    grant(resource_type::topic, "t", acl_operation::read);
    refused = call<protocol::fetch_response>(handle_fetch, body, 12, alice);
    EXPECT_EQ(refused.responses.at(0).partitions.at(0).error_code, to_wire(error_code::topic_authorization_failed));
    grant(resource_type::cluster, "kafka-cluster", acl_operation::cluster_action);
    auto served = call<protocol::fetch_response>(handle_fetch, body, 12, alice);
    EXPECT_NE(served.responses.at(0).partitions.at(0).error_code, to_wire(error_code::topic_authorization_failed));
}

TEST_F(HandlerAuthorizationTest, consumer_fetch_needs_read) {
    protocol::fetch_request body;
    body.max_bytes = 1 << 20;
    auto& t = body.topics.emplace_back();
    t.topic = "t";
    t.partitions.emplace_back().partition_max_bytes = 1 << 20;
    auto refused = call<protocol::fetch_response>(handle_fetch, body, 12, alice);
    EXPECT_EQ(refused.responses.at(0).partitions.at(0).error_code, to_wire(error_code::topic_authorization_failed));
    auto as_admin = call<protocol::fetch_response>(handle_fetch, body, 12, admin);
    EXPECT_EQ(as_admin.responses.at(0).partitions.at(0).error_code, 0);
    grant(resource_type::topic, "t", acl_operation::read);
    auto served = call<protocol::fetch_response>(handle_fetch, body, 12, alice);
    EXPECT_EQ(served.responses.at(0).partitions.at(0).error_code, 0);
}

TEST_F(HandlerAuthorizationTest, write_txn_markers_need_cluster_action) {
    protocol::write_txn_markers_request body;
    auto& m = body.markers.emplace_back();
    m.producer_id = 1;
    auto& t = m.topics.emplace_back();
    t.name = "t";
    t.partition_indexes = {0};
    auto r = call<protocol::write_txn_markers_response>(handle_write_txn_markers, body, 1, alice);
    EXPECT_EQ(r.markers.at(0).topics.at(0).partitions.at(0).error_code,
              to_wire(error_code::cluster_authorization_failed));
}

TEST_F(HandlerAuthorizationTest, list_partition_reassignments_needs_describe_on_the_cluster) {
    protocol::list_partition_reassignments_request body;
    auto r = call<protocol::list_partition_reassignments_response>(handle_list_partition_reassignments, body, 0, alice);
    EXPECT_EQ(r.error_code, to_wire(error_code::cluster_authorization_failed));
    grant(resource_type::cluster, "kafka-cluster", acl_operation::alter);  // implies DESCRIBE
    r = call<protocol::list_partition_reassignments_response>(handle_list_partition_reassignments, body, 0, alice);
    EXPECT_EQ(r.error_code, 0);
}

TEST_F(HandlerAuthorizationTest, describe_configs_needs_describe_configs) {
    protocol::describe_configs_request body;
    auto& topic = body.resources.emplace_back();
    topic.resource_type = 2;
    topic.resource_name = "t";
    auto& broker_res = body.resources.emplace_back();
    broker_res.resource_type = 4;
    broker_res.resource_name = "0";
    auto r = call<protocol::describe_configs_response>(handle_describe_configs, body, 4, alice);
    EXPECT_EQ(r.results.at(0).error_code, to_wire(error_code::topic_authorization_failed));
    EXPECT_EQ(r.results.at(1).error_code, to_wire(error_code::cluster_authorization_failed));
    grant(resource_type::topic, "t", acl_operation::alter_configs);  // implies DESCRIBE_CONFIGS
    r = call<protocol::describe_configs_response>(handle_describe_configs, body, 4, alice);
    EXPECT_EQ(r.results.at(0).error_code, 0);
    EXPECT_FALSE(r.results.at(0).configs.empty());
    EXPECT_EQ(r.results.at(1).error_code, to_wire(error_code::cluster_authorization_failed));
}

TEST_F(HandlerAuthorizationTest, delete_topics_needs_delete) {
    protocol::delete_topics_request body;
    body.topic_names = {"t"};
    auto r = call<protocol::delete_topics_response>(handle_delete_topics, body, 5, alice);
    EXPECT_EQ(r.responses.at(0).error_code, to_wire(error_code::topic_authorization_failed));
    EXPECT_NE(b_->topics().find("t"), nullptr);
    grant(resource_type::topic, "t", acl_operation::remove);
    r = call<protocol::delete_topics_response>(handle_delete_topics, body, 5, alice);
    EXPECT_EQ(r.responses.at(0).error_code, 0);
}

TEST_F(HandlerAuthorizationTest, consumer_group_heartbeat_needs_group_read_and_topic_describe) {
    protocol::consumer_group_heartbeat_request body;
    body.group_id = "g";
    body.member_epoch = 0;
    body.rebalance_timeout_ms = 30000;
    body.subscribed_topic_names = std::vector<std::string>{"t"};
    body.topic_partitions.emplace();
    auto r = call<protocol::consumer_group_heartbeat_response>(handle_consumer_group_heartbeat, body, 0, alice);
    EXPECT_EQ(r.error_code, to_wire(error_code::group_authorization_failed));
    grant(resource_type::group, "g", acl_operation::read);
    r = call<protocol::consumer_group_heartbeat_response>(handle_consumer_group_heartbeat, body, 0, alice);
    EXPECT_EQ(r.error_code, to_wire(error_code::topic_authorization_failed));
    grant(resource_type::topic, "t", acl_operation::describe);
    r = call<protocol::consumer_group_heartbeat_response>(handle_consumer_group_heartbeat, body, 0, alice);
    EXPECT_NE(r.error_code, to_wire(error_code::topic_authorization_failed));
    EXPECT_NE(r.error_code, to_wire(error_code::group_authorization_failed));
}

}  // namespace
}  // namespace sluice::broker

#pragma once
// The authorization checks handlers make, as Kafka's KafkaApis makes them:
// one call per check, and with no authorizer configured one branch.
#include <string_view>

#include "broker/broker.h"
#include "broker/handlers/handler.h"
#include "broker/security/authorizer.h"

namespace sluice::broker {

using security::acl_operation;

inline security::requester requester_of(const session& s) { return {s.principal, s.client_host}; }
inline security::requester requester_of(const request& req) { return requester_of(*req.origin); }

// By session, for checks made after the request is gone (a deferred answer).
inline bool authorized(broker& b, const session& s, acl_operation op, security::resource_type type,
                       std::string_view name) {
    const auto& a = b.authorizer();
    return !a.enabled() || a.authorize(requester_of(s), op, type, name);
}

inline bool authorized(broker& b, const request& req, acl_operation op, security::resource_type type,
                       std::string_view name) {
    return authorized(b, *req.origin, op, type, name);
}

inline bool cluster_authorized(broker& b, const request& req, acl_operation op) {
    return authorized(b, req, op, security::resource_type::cluster, security::cluster_name);
}

template <typename Who>  // request or session
bool topic_authorized(broker& b, const Who& who, acl_operation op, std::string_view topic) {
    return authorized(b, who, op, security::resource_type::topic, topic);
}

inline bool group_authorized(broker& b, const request& req, acl_operation op, std::string_view group) {
    return authorized(b, req, op, security::resource_type::group, group);
}

template <typename Who>  // request or session
bool transactional_id_authorized(broker& b, const Who& who, acl_operation op, std::string_view id) {
    return authorized(b, who, op, security::resource_type::transactional_id, id);
}

// CreateTopics and auto-creation: CREATE on the cluster or on the topic.
inline bool create_topic_authorized(broker& b, const request& req, std::string_view topic) {
    return cluster_authorized(b, req, acl_operation::create) || topic_authorized(b, req, acl_operation::create, topic);
}

// Kafka's authorized-operations bit fields (bit n: operation code n).
inline int32_t authorized_operations(broker& b, const request& req, security::resource_type type,
                                     std::string_view name) {
    const auto& a = b.authorizer();
    if (!a.enabled()) return security::supported_operations(type);
    return a.authorized_operations(requester_of(req), type, name);
}

// DescribeConfigs (DESCRIBE_CONFIGS) and the AlterConfigs (ALTER_CONFIGS):
// a topic's own ACLs for a TOPIC resource (code 2), the cluster's for
// BROKER and BROKER_LOGGER (4, 8); other types are left to the handler.
inline protocol::error_code config_access_error(broker& b, const request& req, int8_t type, std::string_view name,
                                                acl_operation op) {
    if (type == 2) {
        return topic_authorized(b, req, op, name) ? protocol::error_code::none
                                                  : protocol::error_code::topic_authorization_failed;
    }
    if (type == 4 || type == 8) {
        return cluster_authorized(b, req, op) ? protocol::error_code::none
                                              : protocol::error_code::cluster_authorization_failed;
    }
    if (type == 32) {  // GROUP: the group's own ACLs, as Kafka
        return group_authorized(b, req, op, name) ? protocol::error_code::none
                                                  : protocol::error_code::group_authorization_failed;
    }
    return protocol::error_code::none;
}

// A response with `e` at the top level and every other field at its
// default: how Kafka refuses a request it does not authorize.
template <typename Response>
handler_result refuse_with(const request& req, protocol::error_code e) {
    Response response;
    response.error_code = protocol::to_wire(e);
    return respond_with(req, response);
}

}  // namespace sluice::broker

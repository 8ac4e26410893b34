// FindCoordinator: a group's coordinator is the leader of its
// `__consumer_offsets` partition (on a single node, this broker).
// A transactional id's is the leader of its `__transaction_state` partition.
#include "protocol/generated/find_coordinator.h"

#include "broker/broker.h"
#include "broker/groups/coordinator.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/common.h"
#include "broker/handlers/handlers.h"
#include "broker/txn/coordinator.h"
#include "replication/metadata_store.h"

namespace sluice::broker {

using protocol::error_code;

namespace {

struct located {
    error_code error = error_code::none;
    int32_t node_id = -1;
    std::string host;
    int32_t port = -1;
};

located locate(broker& b, int8_t key_type, const std::string& key, const std::string& listener) {
    constexpr int8_t group_key = 0;
    constexpr int8_t transaction_key = 1;
    located out;
    protocol::node_id node(b.config().node_id);
    // Other key types (share groups, v6) are not served: Kafka refuses a key
    // type it does not coordinate with INVALID_REQUEST.
    out.error = key_type == group_key         ? b.groups().locate(key, node)
                : key_type == transaction_key ? (key.empty() ? error_code::invalid_request
                                                             : b.transactions().locate(key, node))
                                              : error_code::invalid_request;
    if (out.error != error_code::none) return out;  // with an error Kafka names no coordinator
    if (node.value() == b.config().node_id) {
        endpoint self = advertised_endpoint(b, listener);
        out.node_id = node.value();
        out.host = self.host;
        out.port = self.port;
        return out;
    }
    for (const auto& n : b.metadata().live_brokers()) {
        if (n.id != node) continue;
        auto at = endpoint_of(n, listener);
        if (!at) break;  // not reachable on this listener
        out.node_id = node.value();
        out.host = at->host;
        out.port = at->port;
        return out;
    }
    out.error = error_code::coordinator_not_available;  // its leader is gone; a new one comes
    return out;
}

// Kafka asks DESCRIBE on the group or the transactional id first.
located locate_authorized(broker& b, const request& req, int8_t key_type, const std::string& key) {
    located refused;
    if (key_type == 0 && !group_authorized(b, req, acl_operation::describe, key)) {
        refused.error = error_code::group_authorization_failed;
        return refused;
    }
    if (key_type == 1 && !transactional_id_authorized(b, req, acl_operation::describe, key)) {
        refused.error = error_code::transactional_id_authorization_failed;
        return refused;
    }
    return locate(b, key_type, key, req.origin->listener);
}

}  // namespace

handler_result handle_find_coordinator(broker& b, request& req) {
    protocol::find_coordinator_request body;
    if (!decode_body(req, body)) return handler_result::close();
    protocol::find_coordinator_response response;
    if (req.api_version < 4) {
        located c = locate_authorized(b, req, body.key_type, body.key);
        response.error_code = protocol::to_wire(c.error);
        response.node_id = c.node_id;
        response.host = c.host;
        response.port = c.port;
    } else {
        for (const auto& key : body.coordinator_keys) {
            located c = locate_authorized(b, req, body.key_type, key);
            protocol::find_coordinator_response::coordinator out;
            out.key = key;
            out.node_id = c.node_id;
            out.host = c.host;
            out.port = c.port;
            out.error_code = protocol::to_wire(c.error);
            response.coordinators.push_back(std::move(out));
        }
    }
    return respond_with(req, response);
}

}  // namespace sluice::broker

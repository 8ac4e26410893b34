// DescribeCluster: every live broker (with its rack) and the controller, as
// the metadata store knows them; a single node is the whole cluster and its
// controller.
#include "protocol/generated/describe_cluster.h"

#include "broker/broker.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/common.h"
#include "broker/handlers/handlers.h"
#include "replication/metadata_store.h"

namespace sluice::broker {

namespace {
constexpr int8_t endpoint_type_broker = 1;
}

handler_result handle_describe_cluster(broker& b, request& req) {
    using response_t = protocol::describe_cluster_response;
    protocol::describe_cluster_request body;
    if (!decode_body(req, body)) return handler_result::close();
    response_t response;
    if (req.api_version >= 1 && body.endpoint_type != endpoint_type_broker) {
        response.error_code = protocol::to_wire(protocol::error_code::unsupported_endpoint_type);
        response.error_message = "Only broker endpoints are served.";
        return respond_with(req, response);
    }
    response.cluster_id = b.metadata().cluster_id();
    if (body.include_cluster_authorized_operations) {
        response.cluster_authorized_operations =
            authorized_operations(b, req, security::resource_type::cluster, security::cluster_name);
    }
    auto controller = b.metadata().controller_id();
    response.controller_id = controller ? controller->value() : -1;
    bool self_listed = false;
    for (const auto& node : b.metadata().live_brokers()) {
        auto at = endpoint_of(node, req.origin->listener);
        if (!at && node.id.value() != b.config().node_id) continue;
        response_t::describe_cluster_broker out;
        out.broker_id = node.id.value();
        if (at) {
            out.host = at->host;
            out.port = at->port;
        }
        out.rack = node.rack;
        // This broker as its own clients reach it (a single node's store
        // does not know its listeners).
        if (out.broker_id == b.config().node_id) {
            endpoint self = advertised_endpoint(b, req.origin->listener);
            out.host = self.host;
            out.port = self.port;
            self_listed = true;
        }
        response.brokers.push_back(std::move(out));
    }
    if (!self_listed) {
        // Between its session's loss and the next registration a broker
        // still answers for itself.
        endpoint self = advertised_endpoint(b, req.origin->listener);
        response_t::describe_cluster_broker me;
        me.broker_id = b.config().node_id;
        me.host = self.host;
        me.port = self.port;
        me.rack = b.config().value_of("broker.rack");
        response.brokers.insert(response.brokers.begin(), std::move(me));
    }
    return respond_with(req, response);
}

}  // namespace sluice::broker

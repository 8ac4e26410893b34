// DescribeCluster: this node is the whole cluster and its controller.
#include "broker/broker.h"
#include "broker/handlers/common.h"
#include "broker/handlers/handlers.h"
#include "replication/metadata_store.h"
#include "protocol/generated/describe_cluster.h"

namespace sluice::broker {

namespace {
constexpr int8_t endpoint_type_broker = 1;
}

handler_result handle_describe_cluster(broker& b, request& req) {
    protocol::describe_cluster_request body;
    if (!decode_body(req, body)) return handler_result::close();
    protocol::describe_cluster_response response;
    if (req.api_version >= 1 && body.endpoint_type != endpoint_type_broker) {
        response.error_code = protocol::to_wire(protocol::error_code::unsupported_endpoint_type);
        response.error_message = "Only broker endpoints are served.";
        return respond_with(req, response);
    }
    endpoint self = advertised_endpoint(b);
    response.cluster_id = b.metadata().cluster_id();
    response.controller_id = b.config().node_id;
    protocol::describe_cluster_response::describe_cluster_broker me;
    me.broker_id = b.config().node_id;
    me.host = self.host;
    me.port = self.port;
    response.brokers.push_back(me);
    return respond_with(req, response);
}

}  // namespace sluice::broker

// FindCoordinator: on a single node this broker coordinates every group and
// transactional id.
#include "broker/broker.h"
#include "broker/handlers/common.h"
#include "broker/handlers/handlers.h"
#include "protocol/generated/find_coordinator.h"

namespace sluice::broker {

handler_result handle_find_coordinator(broker& b, request& req) {
    protocol::find_coordinator_request body;
    if (!decode_body(req, body)) return handler_result::close();
    endpoint self = advertised_endpoint(b);
    protocol::find_coordinator_response response;
    if (req.api_version < 4) {
        response.node_id = b.config().node_id;
        response.host = self.host;
        response.port = self.port;
    } else {
        for (const auto& key : body.coordinator_keys) {
            protocol::find_coordinator_response::coordinator c;
            c.key = key;
            c.node_id = b.config().node_id;
            c.host = self.host;
            c.port = self.port;
            response.coordinators.push_back(std::move(c));
        }
    }
    return respond_with(req, response);
}

}  // namespace sluice::broker

// FindCoordinator: on a single node this broker coordinates every group and
// transactional id.
#include "broker/broker.h"
#include "broker/groups/coordinator.h"
#include "broker/handlers/common.h"
#include "broker/handlers/handlers.h"
#include "protocol/generated/find_coordinator.h"

namespace sluice::broker {

handler_result handle_find_coordinator(broker& b, request& req) {
    protocol::find_coordinator_request body;
    if (!decode_body(req, body)) return handler_result::close();
    endpoint self = advertised_endpoint(b);
    protocol::find_coordinator_response response;
    // Group coordination needs __consumer_offsets; it is made on first use.
    constexpr int8_t group_key = 0;
    protocol::error_code e = body.key_type == group_key ? b.groups().ensure_offsets_topic() : protocol::error_code::none;
    if (req.api_version < 4) {
        response.error_code = protocol::to_wire(e);
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
            c.error_code = protocol::to_wire(e);
            response.coordinators.push_back(std::move(c));
        }
    }
    return respond_with(req, response);
}

}  // namespace sluice::broker

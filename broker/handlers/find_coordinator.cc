// FindCoordinator: on a single node this broker coordinates every group and
// transactional id.
#include "protocol/generated/find_coordinator.h"

#include "broker/broker.h"
#include "broker/groups/coordinator.h"
#include "broker/handlers/common.h"
#include "broker/handlers/handlers.h"

namespace sluice::broker {

handler_result handle_find_coordinator(broker& b, request& req) {
    protocol::find_coordinator_request body;
    if (!decode_body(req, body)) return handler_result::close();
    endpoint self = advertised_endpoint(b);
    protocol::find_coordinator_response response;
    // Group coordination needs __consumer_offsets; it is made on first use.
    constexpr int8_t group_key = 0;
    constexpr int8_t transaction_key = 1;
    // Other key types (share groups, v6) are not served: Kafka refuses a key
    // type it does not coordinate with INVALID_REQUEST.
    protocol::error_code e = body.key_type == group_key         ? b.groups().ensure_offsets_topic()
                             : body.key_type == transaction_key ? protocol::error_code::none
                                                                : protocol::error_code::invalid_request;
    // With an error Kafka names no coordinator.
    bool found = e == protocol::error_code::none;
    int32_t node_id = found ? b.config().node_id : -1;
    std::string host = found ? self.host : "";
    int32_t port = found ? self.port : -1;
    if (req.api_version < 4) {
        response.error_code = protocol::to_wire(e);
        response.node_id = node_id;
        response.host = host;
        response.port = port;
    } else {
        for (const auto& key : body.coordinator_keys) {
            protocol::find_coordinator_response::coordinator c;
            c.key = key;
            c.node_id = node_id;
            c.host = host;
            c.port = port;
            c.error_code = protocol::to_wire(e);
            response.coordinators.push_back(std::move(c));
        }
    }
    return respond_with(req, response);
}

}  // namespace sluice::broker

// SaslHandshake: picks the mechanism of the connection's SASL exchange
// (broker/sasl/authenticator.h). v0 means the client then sends bare
// size-prefixed tokens, v1 that it wraps them in SaslAuthenticate.
#include <chrono>

#include "broker/handlers/handlers.h"
#include "broker/sasl/authenticator.h"
#include "protocol/error_code.h"
#include "protocol/generated/sasl_handshake.h"

namespace sluice::broker {

handler_result handle_sasl_handshake(broker&, request& req) {
    protocol::sasl_handshake_request body;
    if (!decode_body(req, body)) return handler_result::close();
    protocol::sasl_handshake_response response;
    if (req.sasl == nullptr) {
        // A listener without SASL: Kafka's request handler refuses it.
        response.error_code = protocol::to_wire(protocol::error_code::illegal_sasl_state);
        return respond_with(req, response);
    }
    auto answer = req.sasl->handshake(body.mechanism, req.api_version, std::chrono::steady_clock::now());
    response.error_code = protocol::to_wire(answer.error);
    response.mechanisms = std::move(answer.mechanisms);
    return respond_with(req, response);
}

}  // namespace sluice::broker

// SaslAuthenticate: one token of the connection's SASL exchange. v1 adds
// session_lifetime_ms (KIP-368), the time before the client must
// re-authenticate; 0 when connections.max.reauth.ms is off.
#include <chrono>

#include "broker/handlers/handlers.h"
#include "broker/sasl/authenticator.h"
#include "protocol/error_code.h"
#include "protocol/generated/sasl_authenticate.h"

namespace sluice::broker {

handler_result handle_sasl_authenticate(broker&, request& req) {
    protocol::sasl_authenticate_request body;
    if (!decode_body(req, body)) return handler_result::close();
    protocol::sasl_authenticate_response response;
    if (req.sasl == nullptr) {
        response.error_code = protocol::to_wire(protocol::error_code::illegal_sasl_state);
        response.error_message = "SaslAuthenticate request received on a listener without SASL";
        return respond_with(req, response);
    }
    std::string_view token(reinterpret_cast<const char*>(body.auth_bytes.data()), body.auth_bytes.size());
    auto answer = req.sasl->authenticate(token, std::chrono::steady_clock::now());
    response.error_code = protocol::to_wire(answer.error);
    response.error_message = std::move(answer.message);
    response.auth_bytes.assign(answer.token.begin(), answer.token.end());
    response.session_lifetime_ms = answer.session_lifetime_ms;
    return respond_with(req, response);
}

}  // namespace sluice::broker

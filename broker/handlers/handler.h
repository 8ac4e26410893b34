#pragma once
// The contract between the network layer and the per-API handlers.
//
// A handler gets a decoded request header and the raw body, does its work on
// the broker's executor, and answers with an encoded response body (the
// connection adds the size and response header). It never does network I/O.
// A handler that must wait (a fetch long-poll) returns a `deferred` starter
// that is called once with the function that delivers the body.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "protocol/wire.h"

namespace sluice::broker {

class broker;
namespace sasl {
class authenticator;
}

// Who sent a request, as the connection established it: the listener it came
// in on and the principal its security protocol authenticated (Kafka's
// "User:ANONYMOUS" until SSL or SASL says otherwise). Shared by the
// connection's requests; re-authentication replaces it, never changes it.
struct session {
    std::string listener = "PLAINTEXT";           // listener name
    std::string security_protocol = "PLAINTEXT";  // of that listener
    std::string principal = "User:ANONYMOUS";     // "Type:name"
    std::string client_host;                      // address only, for ACL host matching
};

// The session of a request that came from no connection (tests, tools).
const std::shared_ptr<const session>& anonymous_session();

struct request {
    int16_t api_key = 0;
    int16_t api_version = 0;
    int32_t correlation_id = 0;
    std::optional<std::string> client_id;
    bool flexible = false;
    // The body after the header. Points into the request frame, which lives
    // until the handler's answer has been produced; handlers may modify it in
    // place (produce rewrites batch offsets there before appending).
    std::span<uint8_t> body;
    std::string peer;  // "host:port" of the client, for logs
    std::shared_ptr<const session> origin = anonymous_session();
    // Where a handler puts the throttle time of a client over its quota:
    // once the answer is queued the connection reads nothing from the
    // client for that long (KIP-219). The connection's, valid until the
    // answer is given; null outside a connection.
    int32_t* throttle_ms = nullptr;
    // The connection's SASL exchange (broker/sasl/authenticator.h) on a
    // SASL_* listener, nullptr elsewhere: only SaslHandshake and
    // SaslAuthenticate use it. Valid while the handler runs.
    sasl::authenticator* sasl = nullptr;
};

// Records a quota throttle for the request's connection (the longest wins).
inline void throttle(const request& req, int32_t ms) {
    if (req.throttle_ms != nullptr && ms > *req.throttle_ms) *req.throttle_ms = ms;
}

using respond_fn = std::function<void(protocol::writer)>;

struct handler_result {
    enum class action { respond, no_response, close };
    action what = action::respond;
    protocol::writer body;
    std::function<void(respond_fn)> deferred;

    static handler_result close() { return {action::close, {}, {}}; }
    static handler_result no_response() { return {action::no_response, {}, {}}; }
    static handler_result later(std::function<void(respond_fn)> start) {
        return {action::respond, {}, std::move(start)};
    }
};

using handler_fn = handler_result (*)(broker&, request&);

// One line per API: its key, the versions we serve, and the function.
struct api_handler {
    int16_t api_key;
    int16_t min_version;
    int16_t max_version;
    handler_fn handle;
};

std::span<const api_handler> api_handlers();
const api_handler* find_handler(int16_t api_key);

// Bytes left after a request body are ignored, as Kafka ignores them:
// librdkafka 2.15 sends a 4-byte placeholder where its all-topics Metadata
// request has a one-byte null array. Logged at debug level only.
void note_trailing_bytes(const request& req, size_t count);

// Decodes a request body; false when it ends before its fields do.
template <typename Message>
bool decode_body(const request& req, Message& out) {
    protocol::reader r(protocol::bytes_view(req.body.data(), req.body.size()));
    out.decode(r, req.api_version);
    if (!r.ok()) return false;
    if (!r.at_end()) note_trailing_bytes(req, r.remaining());
    return true;
}

template <typename Message>
handler_result respond_with(const request& req, const Message& response) {
    handler_result result;
    response.encode(result.body, req.api_version);
    return result;
}

}  // namespace sluice::broker

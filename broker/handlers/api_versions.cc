// ApiVersions: the ranges of every API we serve, straight from the handler
// table so what we advertise and what we serve cannot drift apart.
#include "broker/handlers/handlers.h"
#include "protocol/error_code.h"
#include "protocol/generated/api_versions.h"

namespace sluice::broker {

namespace {

protocol::api_versions_response supported_apis() {
    protocol::api_versions_response response;
    for (const auto& h : api_handlers()) {
        protocol::api_versions_response::api_version v;
        v.api_key = h.api_key;
        v.min_version = h.min_version;
        v.max_version = h.max_version;
        response.api_keys.push_back(v);
    }
    return response;
}

}  // namespace

protocol::writer api_versions_unsupported_body() {
    auto response = supported_apis();
    response.error_code = protocol::to_wire(protocol::error_code::unsupported_version);
    protocol::writer w;
    response.encode(w, 0);
    return w;
}

handler_result handle_api_versions(broker&, request& req) {
    protocol::api_versions_request body;
    if (!decode_body(req, body)) {
        // Kafka answers a malformed ApiVersions with INVALID_REQUEST rather
        // than closing, so a client can still learn our versions.
        auto response = supported_apis();
        response.error_code = protocol::to_wire(protocol::error_code::invalid_request);
        return respond_with(req, response);
    }
    return respond_with(req, supported_apis());
}

}  // namespace sluice::broker

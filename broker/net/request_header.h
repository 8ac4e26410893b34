#pragma once
// Parsing of the Kafka request header and building of response headers.
#include <optional>

#include "broker/handlers/handler.h"
#include "protocol/wire.h"

namespace sluice::broker {

enum class header_status { ok, unknown_api, unsupported_version, malformed };

// Parses the header at the start of `frame`; on success `out.body` is the rest.
// For an unsupported ApiVersions version the header is still parsed (v1/v2
// shape) so the client can be told which versions we have.
header_status parse_request_header(std::span<uint8_t> frame, request& out);

// Response header for `req`: correlation id, plus an empty tag section for
// flexible responses (never for ApiVersions, whose response header is v0).
void write_response_header(protocol::bytes& out, const request& req, size_t body_size);

}  // namespace sluice::broker

#include "broker/net/request_header.h"

#include "protocol/generated/api_registry.h"

namespace sluice::broker {

namespace {
constexpr int16_t api_versions_key = 18;
}

header_status parse_request_header(std::span<uint8_t> frame, request& out) {
    protocol::reader r(protocol::bytes_view(frame.data(), frame.size()));
    out.api_key = r.read_int16();
    out.api_version = r.read_int16();
    out.correlation_id = r.read_int32();
    if (!r.ok()) return header_status::malformed;

    const api_handler* handler = find_handler(out.api_key);
    if (handler == nullptr) return header_status::unknown_api;
    const protocol::api_info* info = protocol::find_api(out.api_key);
    bool supported = out.api_version >= handler->min_version && out.api_version <= handler->max_version;
    if (!supported && out.api_key != api_versions_key) return header_status::unsupported_version;

    // The client id is a classic nullable string even in flexible headers.
    out.client_id = r.read_nullable_string(false);
    out.flexible = info != nullptr && info->is_flexible(out.api_version);
    if (out.flexible) {
        protocol::unknown_tags ignored;
        r.read_tags(ignored, [](uint32_t, protocol::reader&) { return false; });
    }
    if (!r.ok()) return supported ? header_status::malformed : header_status::unsupported_version;
    size_t consumed = frame.size() - r.remaining();
    out.body = frame.subspan(consumed);
    return supported ? header_status::ok : header_status::unsupported_version;
}

void write_response_header(protocol::bytes& out, const request& req, size_t body_size) {
    bool tagged = req.flexible && req.api_key != api_versions_key;
    size_t size = 4 + (tagged ? 1 : 0) + body_size;
    protocol::writer w;
    w.write_int32(static_cast<int32_t>(size));
    w.write_int32(req.correlation_id);
    if (tagged) w.write_uvarint(0);
    out = std::move(w.buffer());
}

}  // namespace sluice::broker

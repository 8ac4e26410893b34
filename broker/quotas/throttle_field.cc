#include "broker/quotas/throttle_field.h"

#include <algorithm>
#include <optional>

#include "protocol/generated/api_versions.h"
#include "protocol/generated/produce.h"

namespace sluice::broker::quotas {
namespace {

// The first version whose response starts with throttle_time_ms, for every
// API whose responses put it first (Kafka's message definitions).
std::optional<int16_t> leading_throttle_since(int16_t api_key) {
    switch (api_key) {
        case 1:  // Fetch
        case 10:  // FindCoordinator
        case 12:  // Heartbeat
        case 13:  // LeaveGroup
        case 14:  // SyncGroup
        case 15:  // DescribeGroups
        case 16:  // ListGroups
        case 20:  // DeleteTopics
            return 1;
        case 2:  // ListOffsets
        case 11:  // JoinGroup
        case 19:  // CreateTopics
        case 23:  // OffsetForLeaderEpoch
            return 2;
        case 3:  // Metadata
        case 8:  // OffsetCommit
        case 9:  // OffsetFetch
            return 3;
        case 21: case 22: case 24: case 25: case 26: case 28: case 29: case 30: case 31: case 32: case 33:
        case 34: case 35: case 37: case 42: case 43: case 44: case 45: case 46: case 48: case 49: case 50:
        case 51: case 60: case 61: case 65: case 66: case 68: case 69:
            return 0;
        default:
            return std::nullopt;
    }
}

void raise_int32_at(protocol::bytes& buf, size_t at, int32_t ms) {
    if (buf.size() < at + 4) return;
    const int32_t old = static_cast<int32_t>((uint32_t{buf[at]} << 24) | (uint32_t{buf[at + 1]} << 16) |
                                             (uint32_t{buf[at + 2]} << 8) | uint32_t{buf[at + 3]});
    const auto v = static_cast<uint32_t>(std::max(old, ms));
    buf[at] = static_cast<uint8_t>(v >> 24);
    buf[at + 1] = static_cast<uint8_t>(v >> 16);
    buf[at + 2] = static_cast<uint8_t>(v >> 8);
    buf[at + 3] = static_cast<uint8_t>(v);
}

// Responses that carry the field after variable-length data are decoded and
// written again; that happens only for a throttled client.
template <typename Response>
bool rewrite(int16_t version, protocol::writer& body, int32_t ms) {
    if (body.has_file_slices()) return false;
    Response response;
    protocol::reader r(protocol::bytes_view(body.buffer().data(), body.buffer().size()));
    response.decode(r, version);
    if (!r.ok()) return false;
    response.throttle_time_ms = std::max(response.throttle_time_ms, ms);
    protocol::writer again;
    response.encode(again, version);
    body = std::move(again);
    return true;
}

}  // namespace

bool raise_throttle_time(int16_t api_key, int16_t version, protocol::writer& body, int32_t ms) {
    if (ms <= 0) return true;
    switch (api_key) {
        case 0:  // Produce: after the per-topic answers
            return version >= 1 && rewrite<protocol::produce_response>(version, body, ms);
        case 18:  // ApiVersions: after the error code and the key table
            return version >= 1 && rewrite<protocol::api_versions_response>(version, body, ms);
        case 47:  // OffsetDelete: after the top-level error code
            raise_int32_at(body.buffer(), 2, ms);
            return true;
        default:
            break;
    }
    auto since = leading_throttle_since(api_key);
    if (!since || version < *since) return false;
    raise_int32_at(body.buffer(), 0, ms);
    return true;
}

}  // namespace sluice::broker::quotas

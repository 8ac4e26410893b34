#include "replication/fetcher_versions.h"

#include <algorithm>

#include "protocol/error_code.h"
#include "protocol/generated/api_versions.h"
#include "protocol/generated/fetch.h"
#include "protocol/generated/list_offsets.h"
#include "protocol/generated/offset_for_leader_epoch.h"

namespace sluice::replication {

namespace {

struct wanted {
    int16_t api_key;
    int16_t floor;  // the first version with a current leader epoch
    int16_t ours;
    const char* name;
};

constexpr wanted fetch_api{protocol::fetch_request::api_key, 9, protocol::fetch_request::highest_version, "Fetch"};
constexpr wanted list_offsets_api{protocol::list_offsets_request::api_key, 4,
                                  protocol::list_offsets_request::highest_version, "ListOffsets"};
constexpr wanted epoch_api{protocol::offset_for_leader_epoch_request::api_key, 2,
                           protocol::offset_for_leader_epoch_request::highest_version, "OffsetForLeaderEpoch"};

std::optional<int16_t> pick(const protocol::api_versions_response& r, const wanted& w, std::string& why) {
    for (const auto& k : r.api_keys) {
        if (k.api_key != w.api_key) continue;
        int16_t v = std::min(w.ours, k.max_version);
        if (v < std::max(w.floor, k.min_version)) break;
        return v;
    }
    why = std::string("the leader speaks no usable version of ") + w.name;
    return std::nullopt;
}

}  // namespace

std::optional<fetcher_versions> negotiate_versions(protocol::bytes_view response, std::string& why) {
    protocol::api_versions_response r;
    protocol::reader in(response);
    r.decode(in, api_versions_request_version);
    if (!in.ok() || r.error_code == protocol::to_wire(protocol::error_code::unsupported_version)) {
        // Kafka answers a version it does not know in v0, listing its own.
        r = {};
        protocol::reader v0(response);
        r.decode(v0, 0);
        if (!v0.ok()) {
            why = "the ApiVersions answer does not decode";
            return std::nullopt;
        }
    }
    // In that v0 answer UNSUPPORTED_VERSION comes with the leader's list.
    if (r.error_code != 0 && r.error_code != protocol::to_wire(protocol::error_code::unsupported_version)) {
        why =
            "ApiVersions failed: " + std::string(protocol::error_name(static_cast<protocol::error_code>(r.error_code)));
        return std::nullopt;
    }
    auto fetch = pick(r, fetch_api, why);
    auto list = pick(r, list_offsets_api, why);
    auto epoch = pick(r, epoch_api, why);
    if (!fetch || !list || !epoch) return std::nullopt;
    return fetcher_versions{*fetch, *list, *epoch};
}

}  // namespace sluice::replication

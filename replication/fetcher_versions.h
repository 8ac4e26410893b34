#pragma once
// The request versions a replica fetcher speaks to one leader: for each API
// it sends, the newest version both sides know, from the leader's
// ApiVersions answer. Each floor is the first version that carries what the
// fetcher relies on (a current leader epoch in every request).
#include <cstdint>
#include <optional>
#include <string>

#include "protocol/wire.h"

namespace sluice::replication {

struct fetcher_versions {
    int16_t fetch = 0;
    int16_t list_offsets = 0;
    int16_t offset_for_leader_epoch = 0;
};

// The ApiVersions request version sent (flexible, so the leader knows our
// software name); a leader that does not speak it answers in v0.
inline constexpr int16_t api_versions_request_version = 3;

// Decodes the leader's ApiVersions answer (in `api_versions_request_version`,
// or v0 when the leader refused that) and picks the versions. nullopt with
// `why` set when the answer does not decode, carries an error, or the leader
// lacks a usable version of an API.
std::optional<fetcher_versions> negotiate_versions(protocol::bytes_view response, std::string& why);

}  // namespace sluice::replication

#pragma once
// Pieces the classic coordinator, the consumer-group coordinator and the
// classic members of a consumer group share: error answers to JoinGroup and
// SyncGroup, and the member ids Kafka's new coordinator hands out.
#include <random>
#include <string>

#include "protocol/error_code.h"
#include "protocol/generated/join_group.h"
#include "protocol/generated/sync_group.h"

namespace sluice::broker::groups {

inline protocol::join_group_response join_error(protocol::error_code e, const std::string& member_id = {}) {
    protocol::join_group_response r;
    r.error_code = protocol::to_wire(e);
    r.member_id = member_id;
    return r;
}

inline protocol::sync_group_response sync_error(protocol::error_code e) {
    protocol::sync_group_response r;
    r.error_code = protocol::to_wire(e);
    return r;
}

// A random UUID in Kafka's base64url form (22 characters), as Kafka's new
// group coordinator names members.
inline std::string random_member_id() {
    static std::mt19937_64 rng{std::random_device{}()};
    static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    for (int i = 0; i < 22; ++i) out += alphabet[rng() & 63];
    return out;
}

}  // namespace sluice::broker::groups

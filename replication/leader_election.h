#pragma once
// ElectLeaders (KIP-460) for one partition, decided as Kafka's controller
// decides it:
//
// - preferred (type 0): the first replica takes over when it is alive and
//   in the ISR. ELECTION_NOT_NEEDED when it already leads,
//   PREFERRED_LEADER_NOT_AVAILABLE when it cannot.
// - unclean (type 1): only for a partition without a leader; the first live
//   in-sync replica, else (whatever unclean.leader.election.enable says:
//   the request asks for it) the first live replica, whose log becomes the
//   ISR. ELECTION_NOT_NEEDED when there is a leader,
//   ELIGIBLE_LEADERS_NOT_AVAILABLE when no replica is alive.
//
// A decision is a new partition state (new leader epoch) for the store to
// write; pure functions.
#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "protocol/error_code.h"
#include "replication/partition_registration.h"

namespace sluice::replication {

enum class election_type : int8_t { preferred = 0, unclean = 1 };

struct election_decision {
    protocol::error_code code = protocol::error_code::none;
    std::string message;
    std::optional<partition_registration> next;  // with code none: the state to write
};

election_decision decide_election(const partition_registration& current, const std::set<int32_t>& live,
                                  election_type type);

}  // namespace sluice::replication

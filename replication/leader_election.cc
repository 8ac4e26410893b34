#include "replication/leader_election.h"

namespace sluice::replication {

using protocol::error_code;

election_decision decide_election(const partition_registration& current, const std::set<int32_t>& live,
                                  election_type type) {
    election_decision out;
    if (type == election_type::preferred) {
        if (!current.replicas.empty() && current.leader == current.replicas.front()) {
            out.code = error_code::election_not_needed;
            out.message = "The preferred replica " + std::to_string(current.leader) + " already leads.";
            return out;
        }
        out.next = preferred_leader(current, live);
        if (!out.next) {
            out.code = error_code::preferred_leader_not_available;
            out.message = current.replicas.empty()
                              ? "The partition has no replicas."
                              : "The preferred replica " + std::to_string(current.replicas.front()) +
                                    " is not alive or not in the ISR.";
        }
        return out;
    }
    if (current.leader != no_leader) {
        out.code = error_code::election_not_needed;
        out.message = "Broker " + std::to_string(current.leader) + " leads the partition.";
        return out;
    }
    out.next = after_broker_change(current, live, true);
    if (!out.next || out.next->leader == no_leader) {
        out.next.reset();
        out.code = error_code::eligible_leaders_not_available;
        out.message = "No replica of the partition is alive.";
    }
    return out;
}

}  // namespace sluice::replication

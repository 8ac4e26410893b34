#include "replication/partition_reassignment.h"

#include <algorithm>
#include <string>

namespace sluice::replication {

using protocol::error_code;

namespace {

bool contains(const std::vector<int32_t>& v, int32_t id) { return std::find(v.begin(), v.end(), id) != v.end(); }

std::vector<int32_t> without(const std::vector<int32_t>& v, const std::vector<int32_t>& gone) {
    std::vector<int32_t> out;
    for (int32_t id : v) {
        if (!contains(gone, id)) out.push_back(id);
    }
    return out;
}

std::vector<int32_t> only(const std::vector<int32_t>& v, const std::vector<int32_t>& kept) {
    std::vector<int32_t> out;
    for (int32_t id : v) {
        if (contains(kept, id)) out.push_back(id);
    }
    return out;
}

// The current leader if it stays a replica in the ISR, else the first
// replica that is live and in sync, else nobody.
int32_t leader_among(const partition_registration& next, int32_t current, const std::set<int32_t>& live) {
    if (current != no_leader && next.is_replica(current) && next.in_isr(current)) return current;
    for (int32_t id : next.replicas) {
        if (live.contains(id) && next.in_isr(id)) return id;
    }
    return no_leader;
}

// A new replica set: a new leader epoch, whoever leads.
partition_registration bumped(const partition_registration& current, partition_registration next) {
    next.leader_epoch = current.leader_epoch + 1;
    next.partition_epoch = current.partition_epoch + 1;
    return next;
}

op_result invalid(const std::string& message) { return {error_code::invalid_replica_assignment, message}; }

}  // namespace

std::vector<int32_t> original_replicas(const partition_registration& current) {
    return without(current.replicas, current.adding_replicas);
}

std::vector<int32_t> target_replicas(const partition_registration& current) {
    return without(current.replicas, current.removing_replicas);
}

reassignment_decision start_reassignment(const partition_registration& current, const std::vector<int32_t>& target,
                                         const std::set<int32_t>& live) {
    if (target.empty()) return {invalid("The manual partition assignment includes an empty replica list."), {}};
    std::set<int32_t> seen;
    for (int32_t id : target) {
        if (!seen.insert(id).second) {
            return {invalid("The manual partition assignment includes the broker " + std::to_string(id) +
                            " more than once."),
                    {}};
        }
        if (!live.contains(id)) {
            return {invalid("The manual partition assignment includes broker " + std::to_string(id) +
                            ", but no such broker is registered."),
                    {}};
        }
    }
    const std::vector<int32_t> base = original_replicas(current);
    if (target == base) {
        if (!current.reassigning()) return {};
        return cancel_reassignment(current, live);
    }
    partition_registration next = current;
    next.replicas = target;
    for (int32_t id : base) {
        if (!contains(target, id)) next.replicas.push_back(id);
    }
    next.adding_replicas = without(target, base);
    next.removing_replicas = without(base, target);
    next.isr = only(current.isr, next.replicas);
    next.leader = leader_among(next, current.leader, live);
    if (auto done = complete_reassignment(next, live)) next = std::move(*done);
    return {{}, bumped(current, std::move(next))};
}

reassignment_decision cancel_reassignment(const partition_registration& current, const std::set<int32_t>& live) {
    if (!current.reassigning()) return {{error_code::no_reassignment_in_progress, "No reassignment is in progress."}, {}};
    partition_registration next = current;
    next.replicas = original_replicas(current);
    next.adding_replicas.clear();
    next.removing_replicas.clear();
    next.isr = only(current.isr, next.replicas);
    // Only added replicas were in sync: Kafka's revert takes the originals back as they are.
    if (next.isr.empty()) next.isr = next.replicas;
    next.leader = leader_among(next, current.leader, live);
    return {{}, bumped(current, std::move(next))};
}

std::optional<partition_registration> complete_reassignment(const partition_registration& current,
                                                            const std::set<int32_t>& live) {
    if (!current.reassigning()) return std::nullopt;
    const std::vector<int32_t> target = target_replicas(current);
    for (int32_t id : target) {
        if (!current.in_isr(id)) return std::nullopt;
    }
    partition_registration next = current;
    next.replicas = target;
    next.adding_replicas.clear();
    next.removing_replicas.clear();
    next.isr = only(current.isr, target);
    next.leader = leader_among(next, current.leader, live);
    return bumped(current, std::move(next));
}

}  // namespace sluice::replication

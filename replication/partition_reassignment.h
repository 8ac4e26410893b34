#pragma once
// Partition reassignment (Kafka's KIP-455) as pure decisions on a
// partition's state. A reassignment toward a target makes the replicas
// target ∪ current (target first), recording which are being added and
// removed; the new replicas follow the leader and join the ISR as any
// follower does. Once every target replica is in the ISR the controller
// completes it: the replicas become the target, the removed ones leave the
// ISR, and a leader being removed hands over to a target replica. A
// cancellation reverts to the original replicas.
//
// Every change of the replica set bumps the leader epoch (as Kafka's
// ZooKeeper-era controller did), so the leader and its followers re-apply
// the partition with the new replica set, and fetches from the old epoch
// are fenced.
#include <cstdint>
#include <optional>
#include <set>
#include <vector>

#include "replication/op_result.h"
#include "replication/partition_registration.h"

namespace sluice::replication {

struct reassignment_decision {
    op_result error;
    std::optional<partition_registration> next;  // nullopt with no error: nothing to change
};

// The replicas before the reassignment in progress (all of them if none is).
std::vector<int32_t> original_replicas(const partition_registration& current);
// The replicas a reassignment in progress moves to (all of them if none is).
std::vector<int32_t> target_replicas(const partition_registration& current);

// AlterPartitionReassignments with a replica list. INVALID_REPLICA_ASSIGNMENT
// for an empty list, a broker listed twice or one not registered (not
// live). A target equal to the original replicas cancels a reassignment in
// progress and is otherwise nothing to do. Completes at once when the
// target is already in sync (a reorder, or only removals).
reassignment_decision start_reassignment(const partition_registration& current, const std::vector<int32_t>& target,
                                         const std::set<int32_t>& live);

// AlterPartitionReassignments with a null list: NO_REASSIGNMENT_IN_PROGRESS
// unless one is; else back to the original replicas, the ISR kept to those
// (all of them if none was in sync, as Kafka's revert does).
reassignment_decision cancel_reassignment(const partition_registration& current, const std::set<int32_t>& live);

// The controller's step: the reassignment completed once every target
// replica is in the ISR; nullopt while it is not (or none is in progress).
std::optional<partition_registration> complete_reassignment(const partition_registration& current,
                                                            const std::set<int32_t>& live);

}  // namespace sluice::replication

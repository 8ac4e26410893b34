#pragma once
// A partition's replication state as the controller keeps it in etcd
// (Kafka's PartitionRegistration): the replicas (preferred leader first),
// the in-sync replicas, the leader and two epochs. The leader epoch bumps
// whenever leadership moves (followers truncate by it, clients are fenced
// by it); the partition epoch bumps on every change, so a leader's ISR
// update built on an old state is refused. During a reassignment (KIP-455)
// `replicas` is the target followed by the replicas being removed, and
// adding/removing say which are which (partition_reassignment.h).
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace sluice::replication {

inline constexpr int32_t no_leader = -1;

struct partition_registration {
    std::vector<int32_t> replicas;
    std::vector<int32_t> isr;
    int32_t leader = no_leader;
    int32_t leader_epoch = 0;
    int32_t partition_epoch = 0;
    std::vector<int32_t> adding_replicas{};
    std::vector<int32_t> removing_replicas{};
    bool operator==(const partition_registration&) const = default;

    bool in_isr(int32_t broker) const;
    bool is_replica(int32_t broker) const;
    bool reassigning() const { return !adding_replicas.empty() || !removing_replicas.empty(); }
};

// A new partition: every replica in sync, the first one leading, epoch 0.
partition_registration initial_registration(std::vector<int32_t> replicas);

std::string to_json(const partition_registration& r);
std::optional<partition_registration> partition_registration_from_json(const std::string& text);

// What the controller does when the set of live brokers changes: dead
// brokers leave the ISR (but the last member stays, so it can come back
// as a clean leader); a dead leader is replaced by the first live replica
// in the ISR, else — only with unclean.leader.election.enable — by the
// first live replica, else the partition has no leader. nullopt when
// nothing changes.
std::optional<partition_registration> after_broker_change(const partition_registration& current,
                                                          const std::set<int32_t>& live, bool unclean_allowed);

// Preferred leader election (ElectLeaders, auto.leader.rebalance.enable):
// the first replica takes over if it is live and in sync. nullopt if it
// already leads or cannot.
std::optional<partition_registration> preferred_leader(const partition_registration& current,
                                                       const std::set<int32_t>& live);

// A leader's ISR change (Kafka's AlterPartition): accepted only from the
// current leader at the current leader and partition epochs, with an ISR
// that contains the leader and only replicas. nullopt when refused.
std::optional<partition_registration> with_isr(const partition_registration& current, int32_t from_leader,
                                               int32_t leader_epoch, int32_t partition_epoch,
                                               std::vector<int32_t> new_isr);

}  // namespace sluice::replication

#include "replication/partition_checks.h"

#include <algorithm>
#include <string>

namespace sluice::replication {

using protocol::error_code;

op_result check_alter_isr(const partition_registration& current, int32_t from_leader, int32_t leader_epoch,
                          int32_t partition_epoch, const std::vector<int32_t>& new_isr) {
    // Order matters: a deposed leader learns it is deposed before anything
    // about its stale partition epoch.
    if (from_leader != current.leader) {
        return {error_code::not_leader_or_follower,
                "Broker " + std::to_string(from_leader) + " is not the leader (" + std::to_string(current.leader) +
                    " is)."};
    }
    if (leader_epoch != current.leader_epoch) {
        return {error_code::fenced_leader_epoch, "Leader epoch " + std::to_string(leader_epoch) + " is not the current " +
                                                     std::to_string(current.leader_epoch) + "."};
    }
    if (partition_epoch != current.partition_epoch) {
        return {error_code::invalid_update_version, "Partition epoch " + std::to_string(partition_epoch) +
                                                        " is not the current " +
                                                        std::to_string(current.partition_epoch) + "."};
    }
    std::set<int32_t> seen;
    for (int32_t id : new_isr) {
        bool replica = std::find(current.replicas.begin(), current.replicas.end(), id) != current.replicas.end();
        if (!replica || !seen.insert(id).second) {
            return {error_code::invalid_request, "Broker " + std::to_string(id) + " is not a replica, or is listed twice."};
        }
    }
    if (!seen.contains(from_leader)) return {error_code::invalid_request, "The ISR must contain the leader."};
    return {};
}

op_result check_assignments(const replica_assignments& assignments, int32_t first, int32_t count,
                            int16_t replication_factor, const std::set<int32_t>& live) {
    auto refuse = [](std::string why) { return op_result{error_code::invalid_replica_assignment, std::move(why)}; };
    if (static_cast<int64_t>(assignments.size()) != count || assignments.begin()->first != first ||
        assignments.rbegin()->first != first + count - 1) {
        return refuse("Partitions should be consecutive from " + std::to_string(first) + " and cover all " +
                      std::to_string(count) + " new partitions.");
    }
    size_t factor = replication_factor > 0 ? static_cast<size_t>(replication_factor) : assignments.begin()->second.size();
    for (const auto& [p, replicas] : assignments) {
        if (replicas.empty() || replicas.size() != factor) {
            return refuse("Partition " + std::to_string(p) + " has " + std::to_string(replicas.size()) +
                          " replicas; all must have " + std::to_string(factor) + ".");
        }
        std::set<int32_t> distinct(replicas.begin(), replicas.end());
        if (distinct.size() != replicas.size()) return refuse("Duplicate brokers in partition " + std::to_string(p) + ".");
        for (int32_t id : replicas) {
            if (!live.contains(id)) return refuse("Unknown broker " + std::to_string(id) + " in partition " + std::to_string(p) + ".");
        }
    }
    return {};
}

}  // namespace sluice::replication

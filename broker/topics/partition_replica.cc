#include "broker/topics/partition_replica.h"

#include <algorithm>

namespace sluice::broker {

using protocol::error_code;

void partition_replica::become_leader(leader_epoch epoch, int32_t partition_epoch, const std::vector<node_id>& replicas,
                                      std::vector<node_id> isr, protocol::offset high_watermark,
                                      protocol::offset log_end, int64_t now_ms) {
    leader_id_ = self_;
    epoch_ = epoch;
    partition_epoch_ = partition_epoch;
    replicas_ = replicas;
    follower_isr_.clear();
    // The new epoch starts at the current log end: a replica outside the ISR
    // joins only once it holds everything up to there (leader_state).
    leader_.emplace(self_, replicas, std::move(isr), high_watermark, log_end, now_ms);
    leader_->on_append(log_end);
}

void partition_replica::become_follower(node_id leader, leader_epoch epoch, int32_t partition_epoch,
                                        std::vector<node_id> replicas, std::vector<node_id> isr) {
    leader_.reset();
    leader_id_ = leader;
    epoch_ = epoch;
    partition_epoch_ = partition_epoch;
    replicas_ = std::move(replicas);
    follower_isr_ = std::move(isr);
}

bool partition_replica::is_replica(node_id id) const {
    return std::find(replicas_.begin(), replicas_.end(), id) != replicas_.end();
}

error_code partition_replica::check_epoch(int32_t current_leader_epoch) const {
    if (current_leader_epoch < 0) return error_code::none;
    if (current_leader_epoch < epoch_.value()) return error_code::fenced_leader_epoch;
    if (current_leader_epoch > epoch_.value()) return error_code::unknown_leader_epoch;
    return error_code::none;
}

error_code partition_replica::check_leader(int32_t current_leader_epoch) const {
    // Kafka checks the epoch first (Partition.getLocalLog): a client that is
    // behind learns it is fenced even when we are no longer leader.
    if (error_code e = check_epoch(current_leader_epoch); e != error_code::none) return e;
    return is_leader() ? error_code::none : error_code::not_leader_or_follower;
}

}  // namespace sluice::broker

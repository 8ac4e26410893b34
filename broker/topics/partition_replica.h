#pragma once
// This broker's role for one partition: leader (it takes produces and serves
// fetches, tracking its followers in a replication::leader_state) or
// follower (it serves nothing; another broker leads at `leader_epoch`).
//
// The cluster wiring calls become_leader / become_follower with what the
// controller decided; a single node makes every partition leader with
// replicas = ISR = {self} when the partition opens, so the high watermark
// follows every append at once, as before replication.
//
// I/O thread only, like the rest of partition_state.
#include <cstdint>
#include <optional>
#include <vector>

#include "protocol/error_code.h"
#include "protocol/ids.h"
#include "replication/leader_state.h"

namespace sluice::broker {

using protocol::leader_epoch;
using protocol::node_id;

class partition_replica {
public:
    explicit partition_replica(node_id self) : self_(self) {}

    // `high_watermark` and `log_end` are the local log's now: the leader
    // starts from what it had committed and counts its own log at once.
    void become_leader(leader_epoch epoch, int32_t partition_epoch, const std::vector<node_id>& replicas,
                       std::vector<node_id> isr, protocol::offset high_watermark, protocol::offset log_end,
                       int64_t now_ms);
    void become_follower(node_id leader, leader_epoch epoch, int32_t partition_epoch,
                         std::vector<node_id> replicas, std::vector<node_id> isr);

    // The controller changed the partition (an ISR change) without moving
    // its leader: the next ISR proposal must name the new epoch.
    void set_partition_epoch(int32_t e) { partition_epoch_ = e; }

    bool is_leader() const { return leader_.has_value(); }
    node_id self() const { return self_; }
    std::optional<node_id> leader_id() const { return leader_id_; }
    leader_epoch epoch() const { return epoch_; }
    int32_t partition_epoch() const { return partition_epoch_; }
    const std::vector<node_id>& replicas() const { return replicas_; }
    bool is_replica(node_id id) const;
    // The leader's own ISR, or what the controller last told a follower.
    const std::vector<node_id>& isr() const { return leader_ ? leader_->isr() : follower_isr_; }
    // The leader's view; nullptr on a follower.
    replication::leader_state* leader() { return leader_ ? &*leader_ : nullptr; }
    const replication::leader_state* leader() const { return leader_ ? &*leader_ : nullptr; }

    // A request's current_leader_epoch against ours (KIP-320): -1 skips the
    // check; older is FENCED_LEADER_EPOCH, newer UNKNOWN_LEADER_EPOCH.
    protocol::error_code check_epoch(int32_t current_leader_epoch) const;
    // A request only a leader serves: NOT_LEADER_OR_FOLLOWER on a follower,
    // then the epoch check.
    protocol::error_code check_leader(int32_t current_leader_epoch) const;

private:
    node_id self_;
    std::optional<node_id> leader_id_;
    leader_epoch epoch_{0};
    int32_t partition_epoch_ = 0;
    std::vector<node_id> replicas_;
    std::vector<node_id> follower_isr_;  // as the controller last said; the leader keeps its own
    std::optional<replication::leader_state> leader_;
};

}  // namespace sluice::broker

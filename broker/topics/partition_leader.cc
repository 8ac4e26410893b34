#include "broker/topics/partition_leader.h"

#include <algorithm>

#include "log/partition_log.h"

namespace sluice::broker {

namespace {

// The log's high watermark follows leader_state's, forward only (leader_state
// never moves back either; the group coordinator may have moved the log's
// first on its own topic). Waiters re-check whatever moved.
void follow_high_watermark(partition_state& p) {
    if (const replication::leader_state* ls = p.replica.leader()) {
        if (ls->high_watermark().value() > p.log->high_watermark()) p.log->set_high_watermark(ls->high_watermark().value());
    }
}

void publish(partition_state& p) {
    follow_high_watermark(p);
    p.notify();
}

}  // namespace

void become_single_node_leader(partition_state& p, node_id self, int64_t now_ms) {
    leader_epoch epoch(p.log->leader_epochs().latest_epoch().value_or(0));
    become_leader(p, epoch, 0, {self}, {self}, now_ms);
}

void become_leader(partition_state& p, leader_epoch epoch, int32_t partition_epoch,
                   const std::vector<node_id>& replicas, std::vector<node_id> isr, int64_t now_ms) {
    p.replica.become_leader(epoch, partition_epoch, replicas, std::move(isr), protocol::offset(p.log->high_watermark()),
                            protocol::offset(p.log->log_end_offset()), now_ms);
    publish(p);
}

void become_follower(partition_state& p, node_id leader, leader_epoch epoch, int32_t partition_epoch,
                     std::vector<node_id> replicas, std::vector<node_id> isr) {
    p.replica.become_follower(leader, epoch, partition_epoch, std::move(replicas), std::move(isr));
    p.notify();
}

void on_leader_append(partition_state& p, bool wake_waiters) {
    if (replication::leader_state* ls = p.replica.leader()) ls->on_append(protocol::offset(p.log->log_end_offset()));
    follow_high_watermark(p);
    // Always: a parked follower fetch reads up to the log end, not the high
    // watermark, so an append is news to it even when nothing commits.
    if (wake_waiters) p.notify();
}

void on_follower_fetch(partition_state& p, node_id follower, int64_t fetch_offset, int64_t now_ms) {
    replication::leader_state* ls = p.replica.leader();
    if (ls == nullptr) return;
    if (ls->on_follower_fetch(follower, protocol::offset(fetch_offset), protocol::offset(p.log->log_end_offset()),
                              now_ms)) {
        publish(p);
    }
}

void set_isr(partition_state& p, std::vector<node_id> isr) {
    replication::leader_state* ls = p.replica.leader();
    if (ls == nullptr) return;
    ls->set_isr(std::move(isr));
    // Even when the high watermark stays: an acks=all produce may now fail
    // with NOT_ENOUGH_REPLICAS_AFTER_APPEND.
    publish(p);
}

std::optional<std::vector<node_id>> isr_change_due(const partition_state& p, int64_t now_ms, int64_t max_lag_ms) {
    const replication::leader_state* ls = p.replica.leader();
    if (ls == nullptr || ls->isr_change_pending()) return std::nullopt;
    std::vector<node_id> out = ls->lagging(now_ms, max_lag_ms);
    std::vector<node_id> joining = ls->caught_up(now_ms, max_lag_ms);
    if (out.empty() && joining.empty()) return std::nullopt;
    std::vector<node_id> isr;
    for (node_id id : ls->isr()) {
        if (std::find(out.begin(), out.end(), id) == out.end()) isr.push_back(id);
    }
    isr.insert(isr.end(), joining.begin(), joining.end());
    return isr;
}

}  // namespace sluice::broker

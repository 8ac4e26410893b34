#pragma once
// What a partition's leader does when something moves: its own log grew, a
// follower fetched, the ISR should change. Each keeps the log's high
// watermark equal to leader_state's and wakes the partition's waiters
// (parked fetches, acks=all produces) so they re-check.
//
// I/O thread only.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "broker/topics/topic_registry.h"

namespace sluice::broker {

// Single node (the only mode before the cluster wiring): leader of every
// partition, replicas = ISR = {self}, at the log's latest epoch (or 0).
void become_single_node_leader(partition_state& p, node_id self, int64_t now_ms);

// The controller's decisions, applied to the partition (waiters woken: a
// produce waiting for acks must learn it lost the leadership).
void become_leader(partition_state& p, leader_epoch epoch, int32_t partition_epoch,
                   const std::vector<node_id>& replicas, std::vector<node_id> isr, int64_t now_ms);
void become_follower(partition_state& p, node_id leader, leader_epoch epoch, int32_t partition_epoch,
                     std::vector<node_id> replicas, std::vector<node_id> isr);

// After a local append on the leader. With `wake_waiters` false the caller
// wakes the partition's parked fetches itself (notify()) once the rest of
// its request is appended, as Kafka completes delayed fetches after all of a
// produce request's appends.
void on_leader_append(partition_state& p, bool wake_waiters = true);

// A follower's fetch at `fetch_offset`, recorded once per request (as
// Kafka's Partition.updateFollowerFetchState; a parked fetch's later
// re-reads do not count).
void on_follower_fetch(partition_state& p, node_id follower, int64_t fetch_offset, int64_t now_ms);

// The controller's answer to an ISR proposal.
void set_isr(partition_state& p, std::vector<node_id> isr);

// The ISR the leader should propose now (lagging members out, caught-up
// replicas in), or nothing: no change due, one already pending, or not
// leader. Proposing is the caller's (it marks the change pending).
std::optional<std::vector<node_id>> isr_change_due(const partition_state& p, int64_t now_ms, int64_t max_lag_ms);

}  // namespace sluice::broker

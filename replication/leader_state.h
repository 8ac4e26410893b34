#pragma once
// What the leader of a partition knows about its followers, and the
// decisions Kafka's Partition makes from it:
//
// - Each follower's log end offset is the offset it fetches from; it is
//   "caught up" at a fetch when it asked for the leader's log end offset
//   (or, Kafka's refinement, at least the end the leader had at its
//   previous fetch, which it then held at that earlier time).
// - The high watermark is the smallest log end offset in the ISR — the
//   maximal ISR while an ISR change is pending with the controller, so a
//   shrink never commits early and an expansion counts at once — and never
//   moves back.
// - An ISR member not caught up for replica.lag.time.max.ms is lagging; a
//   replica outside the ISR that reached the high watermark (and the start
//   of this leader epoch) may join.
// - acks=all: a produce ending at offset E is done when the high watermark
//   reaches E; if the ISR is then below min.insync.replicas it fails with
//   NOT_ENOUGH_REPLICAS_AFTER_APPEND.
//
// Pure state, no I/O: the broker feeds fetches, appends and ISR changes in,
// on the partition's executor.
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "protocol/error_code.h"
#include "protocol/ids.h"

namespace sluice::replication {

using protocol::node_id;
using protocol::offset;

class leader_state {
public:
    leader_state(node_id self, const std::vector<node_id>& replicas, std::vector<node_id> isr, offset high_watermark,
                 offset epoch_start, int64_t now_ms);

    // The leader appended: its log end offset is now `log_end`. True if the
    // high watermark moved (only when the leader is the whole ISR).
    bool on_append(offset log_end);
    // A follower fetched from `fetch_offset` while the leader's log ended at
    // `leader_end`. True if the high watermark moved. Unknown ids are ignored
    // (the caller answers them with an error first).
    bool on_follower_fetch(node_id follower, offset fetch_offset, offset leader_end, int64_t now_ms);

    offset high_watermark() const { return high_watermark_; }
    // The log end when this leadership began: everything committed before it
    // lies below, so a high watermark under it still lags (KIP-207).
    offset epoch_start() const { return epoch_start_; }
    const std::vector<node_id>& isr() const { return isr_; }
    bool is_replica(node_id id) const { return followers_.contains(id) || id == self_; }
    std::optional<offset> log_end_of(node_id id) const;

    // ISR members (not the leader) behind for longer than `max_lag_ms`.
    std::vector<node_id> lagging(int64_t now_ms, int64_t max_lag_ms) const;
    // Replicas outside the ISR that may join it now: caught up with the high
    // watermark and the leader's epoch, and fetching — the last time they
    // were caught up is within `max_lag_ms`, so a replica that stopped
    // fetching (paused, cut off) is not taken back on its old position.
    std::vector<node_id> caught_up(int64_t now_ms, int64_t max_lag_ms) const;

    // An ISR change sent to the controller and not yet answered.
    void propose_isr(std::vector<node_id> isr);
    // The controller's answer: the ISR now in force (the proposal, or what
    // it kept). Clears any pending proposal. True if the high watermark moved.
    bool set_isr(std::vector<node_id> isr);
    bool isr_change_pending() const { return pending_isr_.has_value(); }

    enum class ack { waiting, done, not_enough_replicas_after_append };
    ack check_acks(offset required, int32_t min_insync_replicas) const;

private:
    struct follower {
        offset log_end{-1};
        int64_t last_caught_up_ms = 0;
        int64_t last_fetch_ms = 0;
        offset leader_end_at_last_fetch{-1};
    };
    bool recompute_high_watermark();
    bool in(const std::vector<node_id>& set, node_id id) const;

    node_id self_;
    offset leader_end_{0};
    offset epoch_start_;
    offset high_watermark_;
    std::vector<node_id> isr_;
    std::optional<std::vector<node_id>> pending_isr_;
    std::map<node_id, follower> followers_;
};

}  // namespace sluice::replication

#include "replication/leader_state.h"

#include <algorithm>

namespace sluice::replication {

leader_state::leader_state(node_id self, const std::vector<node_id>& replicas, std::vector<node_id> isr,
                           offset high_watermark, offset epoch_start, int64_t now_ms)
    : self_(self), epoch_start_(epoch_start), high_watermark_(high_watermark), isr_(std::move(isr)) {
    leader_end_ = high_watermark;
    for (node_id r : replicas) {
        if (r == self_) continue;
        follower f;
        // A new leader gives every ISR member a full lag period to fetch.
        f.last_caught_up_ms = in(isr_, r) ? now_ms : 0;
        followers_[r] = f;
    }
}

bool leader_state::in(const std::vector<node_id>& set, node_id id) const {
    return std::find(set.begin(), set.end(), id) != set.end();
}

std::optional<offset> leader_state::log_end_of(node_id id) const {
    if (id == self_) return leader_end_;
    auto it = followers_.find(id);
    if (it == followers_.end() || it->second.log_end.value() < 0) return std::nullopt;
    return it->second.log_end;
}

bool leader_state::on_append(offset log_end) {
    leader_end_ = log_end;
    return recompute_high_watermark();
}

bool leader_state::on_follower_fetch(node_id id, offset fetch_offset, offset leader_end, int64_t now_ms) {
    auto it = followers_.find(id);
    if (it == followers_.end()) return false;
    follower& f = it->second;
    leader_end_ = std::max(leader_end_, leader_end);
    if (fetch_offset >= leader_end) {
        f.last_caught_up_ms = std::max(f.last_caught_up_ms, now_ms);
    } else if (fetch_offset >= f.leader_end_at_last_fetch) {
        f.last_caught_up_ms = std::max(f.last_caught_up_ms, f.last_fetch_ms);
    }
    f.log_end = fetch_offset;
    f.last_fetch_ms = now_ms;
    f.leader_end_at_last_fetch = leader_end;
    return recompute_high_watermark();
}

bool leader_state::recompute_high_watermark() {
    // The maximal ISR: the current one plus any member a pending change adds.
    std::vector<node_id> members = isr_;
    if (pending_isr_) {
        for (node_id id : *pending_isr_) {
            if (!in(members, id)) members.push_back(id);
        }
    }
    offset lowest = leader_end_;
    for (node_id id : members) {
        if (id == self_) continue;
        auto it = followers_.find(id);
        if (it == followers_.end()) continue;
        lowest = std::min(lowest, std::max(it->second.log_end, offset(0)));
    }
    if (lowest <= high_watermark_) return false;
    high_watermark_ = lowest;
    return true;
}

std::vector<node_id> leader_state::lagging(int64_t now_ms, int64_t max_lag_ms) const {
    std::vector<node_id> out;
    for (node_id id : isr_) {
        if (id == self_) continue;
        auto it = followers_.find(id);
        if (it != followers_.end() && now_ms - it->second.last_caught_up_ms > max_lag_ms) out.push_back(id);
    }
    return out;
}

std::vector<node_id> leader_state::caught_up(int64_t now_ms, int64_t max_lag_ms) const {
    std::vector<node_id> out;
    for (const auto& [id, f] : followers_) {
        if (in(isr_, id)) continue;
        const bool fetching = now_ms - f.last_caught_up_ms <= max_lag_ms;
        if (fetching && f.log_end >= high_watermark_ && f.log_end >= epoch_start_) out.push_back(id);
    }
    return out;
}

void leader_state::propose_isr(std::vector<node_id> isr) {
    pending_isr_ = std::move(isr);
    recompute_high_watermark();
}

bool leader_state::set_isr(std::vector<node_id> isr) {
    isr_ = std::move(isr);
    pending_isr_.reset();
    return recompute_high_watermark();
}

leader_state::ack leader_state::check_acks(offset required, int32_t min_insync_replicas) const {
    if (high_watermark_ < required) return ack::waiting;
    if (static_cast<int32_t>(isr_.size()) < min_insync_replicas) return ack::not_enough_replicas_after_append;
    return ack::done;
}

}  // namespace sluice::replication

#include "broker/replica/replication_throttle.h"

#include <algorithm>

namespace sluice::broker::replica {

namespace {

bool in_sync(protocol::node_id id, const std::vector<protocol::node_id>& isr) {
    return std::find(isr.begin(), isr.end(), id) != isr.end();
}

bool unlimited(int64_t rate) { return rate == INT64_MAX; }

}  // namespace

quotas::window_settings replication_throttle::window() const {
    return {config_.replication_quota_window_num, int64_t{config_.replication_quota_window_size_seconds} * 1000};
}

bool replication_throttle::leader_throttles(const topic_settings& s, int32_t partition) const {
    return !unlimited(config_.leader_replication_throttled_rate) && s.leader_throttled.covers(partition, config_.node_id);
}

bool replication_throttle::leader_holds(const topic_settings& s, int32_t partition, protocol::node_id follower,
                                        const std::vector<protocol::node_id>& isr, int64_t now_ms) {
    if (!leader_throttles(s, partition) || in_sync(follower, isr)) return false;
    return leader_.take(0, static_cast<double>(config_.leader_replication_throttled_rate), now_ms, window()) > 0;
}

void replication_throttle::leader_sent(size_t bytes, int64_t now_ms) {
    leader_rate_.record(static_cast<double>(bytes), now_ms, window());
    if (unlimited(config_.leader_replication_throttled_rate)) return;
    leader_.take(static_cast<double>(bytes), static_cast<double>(config_.leader_replication_throttled_rate), now_ms,
                 window());
}

bool replication_throttle::follower_throttles(const topic_settings& s, int32_t partition) const {
    return !unlimited(config_.follower_replication_throttled_rate) &&
           s.follower_throttled.covers(partition, config_.node_id);
}

std::chrono::milliseconds replication_throttle::follower_hold(const topic_settings& s, int32_t partition,
                                                              const std::vector<protocol::node_id>& isr,
                                                              int64_t now_ms) {
    if (!follower_throttles(s, partition) || in_sync(protocol::node_id(config_.node_id), isr)) {
        return std::chrono::milliseconds(0);
    }
    return std::chrono::milliseconds(
        follower_.take(0, static_cast<double>(config_.follower_replication_throttled_rate), now_ms, window()));
}

void replication_throttle::follower_fetched(size_t bytes, int64_t now_ms) {
    follower_rate_.record(static_cast<double>(bytes), now_ms, window());
    if (unlimited(config_.follower_replication_throttled_rate)) return;
    follower_.take(static_cast<double>(bytes), static_cast<double>(config_.follower_replication_throttled_rate),
                   now_ms, window());
}

}  // namespace sluice::broker::replica

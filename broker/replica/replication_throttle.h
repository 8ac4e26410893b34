#pragma once
// Kafka's replication quotas (ReplicationQuotaManager): the data of a
// throttled replica — one named by its topic's
// leader/follower.replication.throttled.replicas — that is out of the ISR
// moves at most at the broker's leader/follower.replication.throttled.rate
// bytes per second, so a reassignment or a replica catching up cannot take
// the disks and network from clients. In-sync replicas are never held back,
// so a throttle never shrinks the ISR.
//
// Leader side (the Fetch handler): over the rate, a throttled follower's
// partition gets no records in the answer. Follower side (the replica
// fetchers): over the rate, a throttled partition is left out of fetches.
// Both count the bytes of every throttled partition they move. On the I/O
// thread, as the handler and the fetchers.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "broker/config/broker_config.h"
#include "broker/config/topic_config.h"
#include "broker/quotas/quota_bucket.h"
#include "broker/quotas/sampled_rate.h"
#include "protocol/ids.h"

namespace sluice::broker::replica {

class replication_throttle {
public:
    explicit replication_throttle(const broker_config& config) : config_(config) {}

    // Whether the leader counts `partition`'s bytes sent to followers against
    // its rate (a throttled replica of this broker, and a rate set).
    bool leader_throttles(const topic_settings& s, int32_t partition) const;
    // Whether to send `follower` no records of `partition` now.
    bool leader_holds(const topic_settings& s, int32_t partition, protocol::node_id follower,
                      const std::vector<protocol::node_id>& isr, int64_t now_ms);
    void leader_sent(size_t bytes, int64_t now_ms);

    bool follower_throttles(const topic_settings& s, int32_t partition) const;
    // How long to leave `partition` out of this broker's fetches (zero:
    // fetch it now).
    std::chrono::milliseconds follower_hold(const topic_settings& s, int32_t partition,
                                            const std::vector<protocol::node_id>& isr, int64_t now_ms);
    void follower_fetched(size_t bytes, int64_t now_ms);

    // Bytes per second of throttled replicas' data over the quota window
    // (Kafka's LeaderReplication / FollowerReplication byte-rate).
    double leader_byte_rate(int64_t now_ms) const { return leader_rate_.rate(now_ms, window()); }
    double follower_byte_rate(int64_t now_ms) const { return follower_rate_.rate(now_ms, window()); }

private:
    quotas::window_settings window() const;

    const broker_config& config_;
    quotas::quota_bucket leader_;
    quotas::quota_bucket follower_;
    quotas::sampled_rate leader_rate_;
    quotas::sampled_rate follower_rate_;
};

}  // namespace sluice::broker::replica

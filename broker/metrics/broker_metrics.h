#pragma once
// The broker-wide series recorded on the hot path: requests and their total
// time per API. Per-partition counters live with each
// partition (partition_metrics.h); gauges (partition counts, log sizes,
// lag, connections) are not recorded at all but read from the broker's state
// when scraped (scrape.h).
//
// Threading: written and read on the broker's I/O thread only.
#include <array>
#include <chrono>
#include <cstdint>

#include "broker/metrics/counter.h"
#include "broker/metrics/histogram.h"

namespace sluice::broker::metrics {

struct request_series {
    counter requests;       // RequestMetrics RequestsPerSec
    histogram total_ms;     // RequestMetrics TotalTimeMs
    histogram throttle_ms;  // RequestMetrics ThrottleTimeMs (client quotas)
};

class broker_metrics {
public:
    // Every API key Kafka defines fits below this.
    static constexpr int16_t api_key_limit = 128;

    // `enabled` false (sluice.metrics.enabled=false) makes every record_* a
    // single branch; the scrape still renders the gauges.
    explicit broker_metrics(bool enabled = true) : enabled_(enabled) {}
    bool enabled() const { return enabled_; }

    void record_request(int16_t api_key, double total_ms, int32_t throttle_ms = 0) {
        if (!enabled_ || api_key < 0 || api_key >= api_key_limit) return;
        request_series& s = requests_[static_cast<size_t>(api_key)];
        s.requests.add();
        s.total_ms.observe(total_ms);
        s.throttle_ms.observe(throttle_ms);
    }
    const request_series& request(int16_t api_key) const { return requests_[static_cast<size_t>(api_key)]; }

    // ISR changes of partitions led here: the leader's own, once the
    // controller accepts them, and the controller's (a fenced follower
    // removed). ReplicaManager IsrShrinksPerSec / IsrExpandsPerSec.
    counter isr_shrinks;
    counter isr_expands;
    // BrokerTopicMetrics ReplicationBytesInPerSec / ReplicationBytesOutPerSec:
    // record bytes fetched from leaders here, and sent to followers.
    counter replication_bytes_in;
    counter replication_bytes_out;

private:
    bool enabled_;
    std::array<request_series, api_key_limit> requests_{};
};

}  // namespace sluice::broker::metrics

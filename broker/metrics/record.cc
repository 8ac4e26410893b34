#include "broker/metrics/record.h"

#include "broker/broker.h"
#include "broker/metrics/broker_metrics.h"
#include "broker/topics/topic_registry.h"

namespace sluice::broker::metrics {

void record_request(broker& b, int16_t api_key, std::chrono::steady_clock::time_point started, int32_t throttle_ms) {
    broker_metrics& m = b.metrics();
    if (!m.enabled()) return;
    std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - started;
    m.record_request(api_key, took.count(), throttle_ms);
}

void record_append(broker& b, partition_state& p, uint64_t bytes, uint64_t records) {
    if (!b.metrics().enabled()) return;
    p.metrics.bytes_in.add(bytes);
    p.metrics.messages_in.add(records);
}

void record_produce(broker& b, partition_state& p, bool failed) {
    if (!b.metrics().enabled()) return;
    p.metrics.produce_requests.add();
    if (failed) p.metrics.failed_produce_requests.add();
}

void record_fetch(broker& b, partition_state& p, bool from_follower, bool failed, uint64_t bytes) {
    if (!b.metrics().enabled()) return;
    p.metrics.fetch_requests.add();
    if (failed) p.metrics.failed_fetch_requests.add();
    if (!from_follower) {
        p.metrics.bytes_out.add(bytes);
    } else {
        b.metrics().replication_bytes_out.add(bytes);
    }
}

void record_replication_in(broker& b, uint64_t bytes) {
    if (!b.metrics().enabled()) return;
    b.metrics().replication_bytes_in.add(bytes);
}

void record_isr_change(broker& b, size_t before, size_t after) {
    broker_metrics& m = b.metrics();
    if (!m.enabled()) return;
    if (after < before) m.isr_shrinks.add();
    if (after > before) m.isr_expands.add();
}

}  // namespace sluice::broker::metrics

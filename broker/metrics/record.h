#pragma once
// What the hot path calls: one line at each place a request, an append or
// a fetch answer is done. Each is a branch on sluice.metrics.enabled and a
// few integer additions on memory the caller already points at.
#include <chrono>
#include <cstdint>

namespace sluice::broker {
class broker;
struct partition_state;
}  // namespace sluice::broker

namespace sluice::broker::metrics {

// A request answered; `started` is when its frame was complete,
// `throttle_ms` the quota throttle its answer carries.
void record_request(broker& b, int16_t api_key, std::chrono::steady_clock::time_point started, int32_t throttle_ms);
// Records appended to a partition by a producer.
void record_append(broker& b, partition_state& p, uint64_t bytes, uint64_t records);
// One partition of a Produce request (counted as Kafka does, once per
// partition), failed when its answer carries an error.
void record_produce(broker& b, partition_state& p, bool failed);
// One partition of a Fetch answer. Bytes out count only consumers' fetches;
// a follower's are replication traffic (ReplicationBytesOut), as in Kafka.
void record_fetch(broker& b, partition_state& p, bool from_follower, bool failed, uint64_t bytes);
// Record bytes a replica fetcher brought from a leader.
void record_replication_in(broker& b, uint64_t bytes);
// A led partition's ISR went from `before` members to `after`.
void record_isr_change(broker& b, size_t before, size_t after);

}  // namespace sluice::broker::metrics

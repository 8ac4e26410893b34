#pragma once
// The counters of one partition, a member of its partition_state: they are
// created with the partition and go with it, so the hot path reaches them
// through the pointer it already holds (never a lookup by name). The scrape
// sums them per topic, which is how Kafka's BrokerTopicMetrics count.
#include "broker/metrics/counter.h"

namespace sluice::broker::metrics {

struct partition_metrics {
    counter bytes_in;                 // BytesInPerSec: record bytes appended by producers
    counter messages_in;              // MessagesInPerSec: records appended
    counter produce_requests;         // TotalProduceRequestsPerSec: per partition in a Produce
    counter failed_produce_requests;  // FailedProduceRequestsPerSec
    counter bytes_out;                // BytesOutPerSec: record bytes sent to consumers
    counter fetch_requests;           // TotalFetchRequestsPerSec: per partition in a Fetch
    counter failed_fetch_requests;    // FailedFetchRequestsPerSec
};

}  // namespace sluice::broker::metrics

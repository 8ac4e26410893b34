// controller_mutation_rate for one admin request (mutation_quota.h).
#include "broker/quotas/mutation_quota.h"

#include <algorithm>

namespace sluice::broker::quotas {

bool mutation_quota::refuses_next(int64_t now_ms) {
    if (!strict_) return false;
    const int32_t debt = quotas_.mutation_debt(principal_, client_id_, now_ms);
    throttle_ms_ = std::max(throttle_ms_, debt);
    return debt > 0;
}

// Kafka's strict quota records without checking: a request that only goes
// over is not throttled; the refusal of the next topic (or request) is.
void mutation_quota::record(int32_t partitions, int64_t now_ms) {
    if (partitions <= 0) return;
    const int32_t t = quotas_.record_mutations(principal_, client_id_, partitions, now_ms);
    if (!strict_) throttle_ms_ = std::max(throttle_ms_, t);
}

}  // namespace sluice::broker::quotas

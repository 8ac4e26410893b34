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

void mutation_quota::record(int32_t partitions, int64_t now_ms) {
    if (partitions <= 0) return;
    throttle_ms_ = std::max(throttle_ms_, quotas_.record_mutations(principal_, client_id_, partitions, now_ms));
}

}  // namespace sluice::broker::quotas

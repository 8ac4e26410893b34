// The token bucket behind each client quota (quota_bucket.h).
#include "broker/quotas/quota_bucket.h"

#include <algorithm>
#include <cmath>

namespace sluice::broker::quotas {

int64_t quota_bucket::take(double amount, double rate, int64_t now_ms, const window_settings& w) {
    const double burst = rate * static_cast<double>(w.sample_ms) / 1000.0;
    const int64_t cap = w.sample_ms * w.samples;
    if (!started_) {
        started_ = true;
        credit_ = burst;
        last_ms_ = now_ms;
    }
    if (now_ms > last_ms_) {
        credit_ = std::min(burst, credit_ + rate * static_cast<double>(now_ms - last_ms_) / 1000.0);
        last_ms_ = now_ms;
    }
    credit_ -= amount;
    if (credit_ >= 0) return 0;
    if (rate <= 0) return cap;
    return std::min<int64_t>(cap, static_cast<int64_t>(std::ceil(-credit_ / rate * 1000.0)));
}

}  // namespace sluice::broker::quotas

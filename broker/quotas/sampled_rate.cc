#include "broker/quotas/sampled_rate.h"

#include <algorithm>

namespace sluice::broker::quotas {

size_t sampled_rate::count(const window_settings& w) const {
    return std::clamp<size_t>(static_cast<size_t>(std::max(w.samples, 1)), 1, max_samples);
}

void sampled_rate::record(double amount, int64_t now_ms, const window_settings& w) {
    sample& s = samples_[current_];
    if (s.start_ms < 0 || now_ms - s.start_ms >= w.sample_ms) {
        current_ = (current_ + 1) % count(w);
        samples_[current_] = {now_ms, 0};
    }
    samples_[current_].total += amount;
}

double sampled_rate::rate(int64_t now_ms, const window_settings& w) const {
    const int64_t horizon = static_cast<int64_t>(count(w)) * w.sample_ms;
    double total = 0;
    int64_t oldest = now_ms;
    for (size_t i = 0; i < count(w); ++i) {
        const sample& s = samples_[i];
        if (s.start_ms < 0 || now_ms - s.start_ms >= horizon) continue;  // expired
        total += s.total;
        oldest = std::min(oldest, s.start_ms);
    }
    const int64_t min_span = static_cast<int64_t>(count(w) - 1) * w.sample_ms;
    const int64_t span = std::max(now_ms - oldest, std::max<int64_t>(min_span, 1));
    return total * 1000.0 / static_cast<double>(span);
}

}  // namespace sluice::broker::quotas

#pragma once
// Kafka's Rate over SampledStat: amounts summed into `samples` windows of
// `sample_ms`; the rate is their sum over the time they span (at least
// samples - 1 whole windows, as Kafka's Rate.windowSize), so a burst does
// not read as a huge rate the moment it starts. For gauges (the
// replication throttle's byte-rate), not for throttling decisions.
#include <array>
#include <cstddef>
#include <cstdint>

#include "broker/quotas/quota_bucket.h"

namespace sluice::broker::quotas {

class sampled_rate {
public:
    void record(double amount, int64_t now_ms, const window_settings& w);
    // Per second.
    double rate(int64_t now_ms, const window_settings& w) const;

private:
    static constexpr size_t max_samples = 64;
    struct sample {
        int64_t start_ms = -1;  // -1: never used
        double total = 0;
    };
    size_t count(const window_settings& w) const;
    std::array<sample, max_samples> samples_{};
    size_t current_ = 0;
};

}  // namespace sluice::broker::quotas

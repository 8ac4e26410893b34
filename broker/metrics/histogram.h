#pragma once
// A histogram with fixed upper bounds (Prometheus "le" buckets). Observing
// is a short scan over a constant array and two additions: no lock, no
// allocation. Counts are kept per bucket and made cumulative when rendered.
#include <array>
#include <cstdint>
#include <span>

namespace sluice::broker::metrics {

// Request times in ms, from a local round trip to a long-polled fetch.
inline constexpr std::array<double, 14> request_ms_bounds{1,   2,   5,    10,   25,   50,    100,
                                                          250, 500, 1000, 2500, 5000, 10000, 30000};

class histogram {
public:
    static constexpr size_t bucket_count = request_ms_bounds.size();

    void observe(double v) {
        size_t i = 0;
        while (i < bucket_count && v > request_ms_bounds[i])
            ++i;
        ++counts_[i];  // counts_[bucket_count] is +Inf
        sum_ += v;
        ++count_;
    }
    std::span<const double> bounds() const { return request_ms_bounds; }
    // Observations <= bounds()[i]; i == bounds().size() is +Inf (== count()).
    uint64_t cumulative(size_t i) const {
        uint64_t n = 0;
        for (size_t j = 0; j <= i && j <= bucket_count; ++j)
            n += counts_[j];
        return n;
    }
    double sum() const { return sum_; }
    uint64_t count() const { return count_; }

private:
    std::array<uint64_t, bucket_count + 1> counts_{};
    double sum_ = 0;
    uint64_t count_ = 0;
};

}  // namespace sluice::broker::metrics

#pragma once
// A latency histogram in the spirit of HdrHistogram: log-linear buckets, O(1)
// record, fixed memory (~39 KiB), exact count/min/max/mean.
//
// Values are microseconds. Bucket layout:
//   [0, 1024)         one bucket per microsecond (exact);
//   [2^k, 2^(k+1))    for k = 10 .. 39, split into 128 equal sub-buckets, so a
//                     bucket is at most 1/128 (0.8 %) of the values it holds.
// Values at or above 2^40 µs (~12.7 days) land in the last bucket; max stays
// exact. A percentile is reported as the highest value its bucket can hold
// (as HdrHistogram does), clamped to [min, max], so it never understates a
// latency and p50 <= p99 <= max always holds.
#include <array>
#include <cstddef>
#include <cstdint>

namespace sluice::tools {

class latency_histogram {
public:
    static constexpr uint64_t linear_limit = 1024;  // exact below this
    static constexpr int sub_bucket_bits = 7;       // 128 sub-buckets per power of two
    static constexpr int first_exponent = 10;       // 2^10 == linear_limit
    static constexpr int last_exponent = 39;        // highest power of two covered
    static constexpr size_t bucket_count =
        linear_limit + size_t(last_exponent - first_exponent + 1) * (size_t(1) << sub_bucket_bits);

    // Negative values (a clock stepping back) count as 0.
    void record(int64_t micros);
    void merge(const latency_histogram& other);
    void reset();

    uint64_t count() const { return count_; }
    int64_t min() const { return count_ ? min_ : 0; }
    int64_t max() const { return max_; }
    double mean() const { return count_ ? double(sum_) / double(count_) : 0.0; }
    // q in [0, 100]; 0 for an empty histogram.
    int64_t percentile(double q) const;

    // Bucket arithmetic, public so the unit tests can check the layout.
    static size_t bucket_of(uint64_t micros);
    static uint64_t bucket_low(size_t bucket);
    static uint64_t bucket_high(size_t bucket);  // inclusive

private:
    std::array<uint64_t, bucket_count> buckets_{};
    uint64_t count_ = 0;
    int64_t min_ = 0;
    int64_t max_ = 0;
    // 2^64 µs of summed latency is ~580,000 years; no overflow in practice.
    uint64_t sum_ = 0;
};

}  // namespace sluice::tools

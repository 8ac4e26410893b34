#include "tools/cli/perf_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace sluice::tools {

namespace {
constexpr uint64_t sub_buckets = uint64_t(1) << latency_histogram::sub_bucket_bits;
constexpr uint64_t top_value = (uint64_t(1) << (latency_histogram::last_exponent + 1)) - 1;
}  // namespace

size_t latency_histogram::bucket_of(uint64_t micros) {
    if (micros < linear_limit) return size_t(micros);
    micros = std::min(micros, top_value);
    int exponent = std::bit_width(micros) - 1;  // >= first_exponent
    uint64_t sub = (micros >> (exponent - sub_bucket_bits)) & (sub_buckets - 1);
    return size_t(linear_limit + uint64_t(exponent - first_exponent) * sub_buckets + sub);
}

uint64_t latency_histogram::bucket_low(size_t bucket) {
    if (bucket < linear_limit) return bucket;
    uint64_t i = bucket - linear_limit;
    int exponent = first_exponent + int(i / sub_buckets);
    return (sub_buckets + i % sub_buckets) << (exponent - sub_bucket_bits);
}

uint64_t latency_histogram::bucket_high(size_t bucket) {
    if (bucket < linear_limit) return bucket;
    int exponent = first_exponent + int((bucket - linear_limit) / sub_buckets);
    return bucket_low(bucket) + (uint64_t(1) << (exponent - sub_bucket_bits)) - 1;
}

void latency_histogram::record(int64_t micros) {
    if (micros < 0) micros = 0;
    ++buckets_[bucket_of(uint64_t(micros))];
    if (count_ == 0 || micros < min_) min_ = micros;
    if (micros > max_) max_ = micros;
    ++count_;
    sum_ += uint64_t(micros);
}

void latency_histogram::merge(const latency_histogram& other) {
    if (other.count_ == 0) return;
    for (size_t i = 0; i < bucket_count; ++i) buckets_[i] += other.buckets_[i];
    min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
    count_ += other.count_;
    sum_ += other.sum_;
}

void latency_histogram::reset() { *this = latency_histogram(); }

int64_t latency_histogram::percentile(double q) const {
    if (count_ == 0) return 0;
    q = std::clamp(q, 0.0, 100.0);
    // The rank of the value at q: the smallest value with at least q% of the
    // recorded values at or below it (rank 1 at q == 0). The epsilon keeps
    // 99.9 % of 1000 at rank 999: q is not exact in binary.
    auto rank = uint64_t(std::ceil(q * double(count_) / 100.0 - 1e-9));
    rank = std::clamp<uint64_t>(rank, 1, count_);
    uint64_t seen = 0;
    for (size_t i = 0; i < bucket_count; ++i) {
        seen += buckets_[i];
        if (seen >= rank) return std::clamp(int64_t(bucket_high(i)), min_, max_);
    }
    return max_;
}

}  // namespace sluice::tools

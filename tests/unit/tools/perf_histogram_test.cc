// The latency histogram behind `sluice perf`: bucket layout (exact below
// 1024 µs, <= 1/128 relative width above), percentile ranks, clamping, merge.
#include "tools/cli/perf_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace sluice::tools {
namespace {

using h = latency_histogram;

TEST(perf_histogram, empty_reports_zeros) {
    latency_histogram hist;
    EXPECT_EQ(hist.count(), 0u);
    EXPECT_EQ(hist.min(), 0);
    EXPECT_EQ(hist.max(), 0);
    EXPECT_EQ(hist.mean(), 0.0);
    EXPECT_EQ(hist.percentile(50), 0);
    EXPECT_EQ(hist.percentile(100), 0);
}

TEST(perf_histogram, exact_below_1024_us) {
    for (uint64_t v = 0; v < 1024; ++v) {
        ASSERT_EQ(h::bucket_of(v), v);
        ASSERT_EQ(h::bucket_low(v), v);
        ASSERT_EQ(h::bucket_high(v), v);
    }
    EXPECT_EQ(h::bucket_of(1024), 1024u);
}

TEST(perf_histogram, buckets_are_contiguous_and_cover_every_value) {
    for (size_t b = 0; b + 1 < h::bucket_count; ++b) {
        ASSERT_EQ(h::bucket_high(b) + 1, h::bucket_low(b + 1)) << "bucket " << b;
        ASSERT_EQ(h::bucket_of(h::bucket_low(b)), b);
        ASSERT_EQ(h::bucket_of(h::bucket_high(b)), b);
    }
    EXPECT_EQ(h::bucket_high(h::bucket_count - 1), (uint64_t(1) << 40) - 1);
}

TEST(perf_histogram, relative_width_at_most_one_128th_above_linear_range) {
    for (size_t b = h::linear_limit; b < h::bucket_count; ++b) {
        uint64_t width = h::bucket_high(b) - h::bucket_low(b) + 1;
        ASSERT_LE(width * 128, h::bucket_low(b)) << "bucket " << b;
    }
}

TEST(perf_histogram, huge_values_land_in_last_bucket_and_max_stays_exact) {
    latency_histogram hist;
    int64_t huge = int64_t(1) << 50;
    hist.record(huge);
    EXPECT_EQ(h::bucket_of(uint64_t(huge)), h::bucket_count - 1);
    EXPECT_EQ(hist.max(), huge);
    EXPECT_EQ(hist.percentile(50), huge);  // clamped to [min, max]
}

TEST(perf_histogram, negative_values_count_as_zero) {
    latency_histogram hist;
    hist.record(-5);
    EXPECT_EQ(hist.count(), 1u);
    EXPECT_EQ(hist.min(), 0);
    EXPECT_EQ(hist.percentile(99), 0);
}

TEST(perf_histogram, percentiles_of_1_to_1000_are_exact) {
    latency_histogram hist;
    for (int v = 1; v <= 1000; ++v) hist.record(v);
    EXPECT_EQ(hist.count(), 1000u);
    EXPECT_EQ(hist.min(), 1);
    EXPECT_EQ(hist.max(), 1000);
    EXPECT_DOUBLE_EQ(hist.mean(), 500.5);
    EXPECT_EQ(hist.percentile(0), 1);
    EXPECT_EQ(hist.percentile(50), 500);
    EXPECT_EQ(hist.percentile(99), 990);
    EXPECT_EQ(hist.percentile(99.9), 999);
    EXPECT_EQ(hist.percentile(100), 1000);
}

TEST(perf_histogram, single_outlier_shows_at_p9999_not_p99) {
    latency_histogram hist;
    for (int i = 0; i < 9999; ++i) hist.record(100);
    hist.record(50'000);
    EXPECT_EQ(hist.percentile(99), 100);
    EXPECT_EQ(hist.percentile(99.99), 100);  // rank 9999 of 10000
    EXPECT_EQ(hist.percentile(99.999), 50'000);
    EXPECT_EQ(hist.max(), 50'000);
}

TEST(perf_histogram, percentile_within_one_percent_above_linear_range) {
    std::mt19937_64 rng(7);
    std::lognormal_distribution<double> dist(8.0, 1.5);  // median ~3 ms, long tail
    latency_histogram hist;
    std::vector<int64_t> values;
    for (int i = 0; i < 100'000; ++i) {
        auto v = int64_t(dist(rng));
        values.push_back(v);
        hist.record(v);
    }
    std::sort(values.begin(), values.end());
    for (double q : {50.0, 90.0, 99.0, 99.9}) {
        auto rank = size_t(std::ceil(q / 100.0 * double(values.size())));
        int64_t exact = values[rank - 1];
        int64_t reported = hist.percentile(q);
        EXPECT_GE(reported, exact) << "q=" << q;  // never understates
        EXPECT_LE(double(reported), double(exact) * (1.0 + 1.0 / 128) + 1) << "q=" << q;
    }
}

TEST(perf_histogram, percentiles_are_monotonic) {
    std::mt19937_64 rng(11);
    std::exponential_distribution<double> dist(1.0 / 2000.0);
    latency_histogram hist;
    for (int i = 0; i < 50'000; ++i) hist.record(int64_t(dist(rng)));
    int64_t prev = hist.min();
    for (double q : {0.0, 10.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
        int64_t v = hist.percentile(q);
        EXPECT_GE(v, prev) << "q=" << q;
        prev = v;
    }
    EXPECT_LE(prev, hist.max());
}

TEST(perf_histogram, merge_equals_recording_everything_in_one) {
    latency_histogram a;
    latency_histogram b;
    latency_histogram all;
    for (int v = 0; v < 5000; v += 3) {
        a.record(v);
        all.record(v);
    }
    for (int v = 7; v < 900'000; v += 977) {
        b.record(v);
        all.record(v);
    }
    latency_histogram empty;
    a.merge(empty);
    a.merge(b);
    EXPECT_EQ(a.count(), all.count());
    EXPECT_EQ(a.min(), all.min());
    EXPECT_EQ(a.max(), all.max());
    EXPECT_DOUBLE_EQ(a.mean(), all.mean());
    for (double q : {1.0, 50.0, 99.0, 99.99}) EXPECT_EQ(a.percentile(q), all.percentile(q));

    latency_histogram into_empty;
    into_empty.merge(b);
    EXPECT_EQ(into_empty.min(), b.min());
}

TEST(perf_histogram, reset_empties) {
    latency_histogram hist;
    hist.record(123);
    hist.reset();
    EXPECT_EQ(hist.count(), 0u);
    EXPECT_EQ(hist.max(), 0);
    EXPECT_EQ(hist.percentile(50), 0);
}

}  // namespace
}  // namespace sluice::tools

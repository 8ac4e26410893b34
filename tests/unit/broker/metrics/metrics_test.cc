#include <gtest/gtest.h>

#include "broker/metrics/broker_metrics.h"
#include "broker/metrics/histogram.h"
#include "broker/metrics/partition_metrics.h"
#include "broker/metrics/text_format.h"
#include "tests/unit/broker/allocation_counter.h"

namespace sluice::broker::metrics {
namespace {

TEST(HistogramTest, BucketsAreUpperBoundsInclusive) {
    histogram h;
    h.observe(0.5);    // le=1
    h.observe(1.0);    // le=1 (bounds are inclusive)
    h.observe(1.5);    // le=2
    h.observe(30000);  // le=30000
    h.observe(1e9);    // +Inf only
    EXPECT_EQ(h.cumulative(0), 2u);
    EXPECT_EQ(h.cumulative(1), 3u);
    EXPECT_EQ(h.cumulative(h.bounds().size() - 1), 4u);
    EXPECT_EQ(h.cumulative(h.bounds().size()), 5u);
    EXPECT_EQ(h.count(), 5u);
    EXPECT_DOUBLE_EQ(h.sum(), 0.5 + 1.0 + 1.5 + 30000 + 1e9);
}

TEST(HistogramTest, CumulativeCountsNeverDecrease) {
    histogram h;
    for (int i = 0; i < 1000; ++i)
        h.observe(i * 37 % 40000);
    for (size_t i = 1; i <= h.bounds().size(); ++i)
        EXPECT_LE(h.cumulative(i - 1), h.cumulative(i));
}

TEST(BrokerMetricsTest, RecordsPerApiAndIgnoresKeysOutOfRange) {
    broker_metrics m;
    m.record_request(0, 3.0);
    m.record_request(0, 7.0);
    m.record_request(1, 1.0);
    m.record_request(-1, 1.0);
    m.record_request(broker_metrics::api_key_limit, 1.0);
    EXPECT_EQ(m.request(0).requests.value, 2u);
    EXPECT_EQ(m.request(0).total_ms.count(), 2u);
    EXPECT_DOUBLE_EQ(m.request(0).total_ms.sum(), 10.0);
    EXPECT_EQ(m.request(1).requests.value, 1u);
}

TEST(BrokerMetricsTest, RecordsThrottleTimePerApi) {
    broker_metrics m;
    m.record_request(0, 1.0, 0);
    m.record_request(0, 1.0, 750);
    EXPECT_EQ(m.request(0).throttle_ms.count(), 2u);
    EXPECT_DOUBLE_EQ(m.request(0).throttle_ms.sum(), 750.0);
    EXPECT_EQ(m.request(0).throttle_ms.cumulative(0), 1u);  // the unthrottled one, le=1
}

TEST(BrokerMetricsTest, DisabledRecordsNothing) {
    broker_metrics m(false);
    m.record_request(0, 3.0);
    EXPECT_EQ(m.request(0).requests.value, 0u);
}

TEST(BrokerMetricsTest, RecordingAllocatesNothing) {
    broker_metrics m;
    partition_metrics p;
    size_t before = sluice::testing::allocations();
    for (int i = 0; i < 100; ++i) {
        m.record_request(static_cast<int16_t>(i % 70), i * 1.5);
        p.bytes_in.add(100);
        p.messages_in.add(1);
    }
    EXPECT_EQ(sluice::testing::allocations(), before);
    EXPECT_EQ(p.bytes_in.value, 10000u);
}

TEST(TextFormatTest, EscapesLabelValues) {
    EXPECT_EQ(escape_label_value("plain.topic-1"), "plain.topic-1");
    EXPECT_EQ(escape_label_value("a\"b"), "a\\\"b");
    EXPECT_EQ(escape_label_value("a\\b"), "a\\\\b");
    EXPECT_EQ(escape_label_value("a\nb"), "a\\nb");
    EXPECT_EQ(escape_label_value("\\\"\n"), "\\\\\\\"\\n");
}

TEST(TextFormatTest, RendersFamiliesAndSamples) {
    text_writer w;
    w.family("x_total", "counter", "Some help\nwith a \\ newline");
    w.sample("x_total", {{"group", "g\"1"}, {"topic", "t\n"}}, uint64_t{42});
    w.sample("x_total", {}, int64_t{-3});
    w.sample("y", {{"le", "+Inf"}}, 0.25);
    EXPECT_EQ(w.text(),
              "# HELP x_total Some help\\nwith a \\\\ newline\n"
              "# TYPE x_total counter\n"
              "x_total{group=\"g\\\"1\",topic=\"t\\n\"} 42\n"
              "x_total -3\n"
              "y{le=\"+Inf\"} 0.25\n");
}

TEST(TextFormatTest, FormatsSpecialNumbers) {
    EXPECT_EQ(format_number(1.0), "1");
    EXPECT_EQ(format_number(2500), "2500");
    EXPECT_EQ(format_number(0.1), "0.1");
    EXPECT_EQ(format_number(1.0 / 0.0), "+Inf");
    EXPECT_EQ(format_number(-1.0 / 0.0), "-Inf");
    EXPECT_EQ(format_number(0.0 / 0.0), "NaN");
}

}  // namespace
}  // namespace sluice::broker::metrics

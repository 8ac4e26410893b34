#pragma once
// log.cleaner.io.max.bytes.per.second: a token bucket shared by a cleaner
// thread's reads and writes. Tokens accrue at `bytes_per_second` up to one
// `burst_seconds` worth; acquire() takes its bytes and, when that leaves the
// bucket in debt, sleeps until the debt would be paid. The clock and the
// sleep are injectable, so tests check the arithmetic without waiting.
#include <cstdint>
#include <functional>

namespace sluice::compaction {

class throttler {
public:
    using clock_fn = std::function<int64_t()>;        // monotonic nanoseconds
    using sleep_fn = std::function<void(int64_t ns)>;

    // A rate <= 0 or infinite means unthrottled.
    explicit throttler(double bytes_per_second, double burst_seconds = 0.1, clock_fn clock = {},
                       sleep_fn sleep = {});

    // Accounts `bytes` of cleaner I/O; returns the nanoseconds slept.
    int64_t acquire(uint64_t bytes);
    bool unlimited() const { return unlimited_; }

private:
    double rate_;
    double capacity_;
    double tokens_;
    bool unlimited_;
    int64_t last_ns_;
    clock_fn clock_;
    sleep_fn sleep_;
};

}  // namespace sluice::compaction

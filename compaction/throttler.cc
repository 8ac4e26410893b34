#include "compaction/throttler.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

namespace sluice::compaction {

throttler::throttler(double bytes_per_second, double burst_seconds, clock_fn clock, sleep_fn sleep)
    : rate_(bytes_per_second),
      capacity_(std::max(1.0, bytes_per_second * burst_seconds)),
      tokens_(0),
      unlimited_(!(bytes_per_second > 0) || std::isinf(bytes_per_second)),
      clock_(clock ? std::move(clock)
                   : clock_fn([] {
                         return std::chrono::duration_cast<std::chrono::nanoseconds>(
                                    std::chrono::steady_clock::now().time_since_epoch())
                             .count();
                     })),
      sleep_(sleep ? std::move(sleep)
                   : sleep_fn([](int64_t ns) { std::this_thread::sleep_for(std::chrono::nanoseconds(ns)); })) {
    tokens_ = unlimited_ ? 0 : capacity_;
    last_ns_ = clock_();
}

int64_t throttler::acquire(uint64_t bytes) {
    if (unlimited_) return 0;
    int64_t now = clock_();
    tokens_ = std::min(capacity_, tokens_ + static_cast<double>(now - last_ns_) * rate_ / 1e9);
    last_ns_ = now;
    tokens_ -= static_cast<double>(bytes);
    if (tokens_ >= 0) return 0;
    // The debt is repaid by the refill after the sleep (next acquire).
    auto wait = static_cast<int64_t>(std::ceil(-tokens_ / rate_ * 1e9));
    sleep_(wait);
    return wait;
}

}  // namespace sluice::compaction

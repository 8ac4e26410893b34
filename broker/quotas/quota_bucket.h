#pragma once
// What one quota sensor knows: a token bucket. It fills at the quota's rate
// up to one quota window's worth (quota.window.size.seconds), and each
// request's bytes are taken from it; a client that took more than there was
// is throttled for as long as the bucket needs to refill the debt.
//
// Kafka measures the rate over quota.window.num samples instead, which lets
// a client burst a whole window's worth (11 s of quota) before throttling
// and again each time that burst's sample expires; the bucket keeps the
// same long-run rate with a burst of one window and no oscillation. The
// throttle is capped at quota.window.num windows, as Kafka caps it.
#include <cstdint>

namespace sluice::broker::quotas {

struct window_settings {
    int32_t samples = 11;      // quota.window.num
    int64_t sample_ms = 1000;  // quota.window.size.seconds
};

class quota_bucket {
public:
    // Takes `amount` at `rate` per second; the throttle in ms (0 if it fitted).
    int64_t take(double amount, double rate, int64_t now_ms, const window_settings& w);
    int64_t last_ms() const { return last_ms_; }

private:
    double credit_ = 0;
    int64_t last_ms_ = 0;
    bool started_ = false;
};

}  // namespace sluice::broker::quotas

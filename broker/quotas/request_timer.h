#pragma once
// What request_percentage measures: the time the I/O thread spends in a
// request's handler, from the call to its return (a deferred answer's wait
// is not counted: nothing runs meanwhile). Kafka also counts its network
// threads' time; here reading and writing are asynchronous on the same
// thread and are not attributed to a request.
#include <chrono>
#include <optional>
#include <string>

#include "broker/quotas/quota_manager.h"

namespace sluice::broker::quotas {

class request_timer {
public:
    request_timer() : started_(std::chrono::steady_clock::now()) {}

    // Charges the time since construction to the client; the throttle in ms.
    int32_t charge(quota_manager& quotas, const std::string& principal, const std::optional<std::string>& client_id,
                   int64_t now_ms) const {
        auto spent = std::chrono::steady_clock::now() - started_;
        // In nanoseconds: a cheap request takes less than a microsecond.
        auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(spent).count();
        return quotas.record_request_time(principal, client_id, static_cast<double>(nanos) / 1000.0, now_ms);
    }

private:
    std::chrono::steady_clock::time_point started_;
};

}  // namespace sluice::broker::quotas

#pragma once
// controller_mutation_rate (KIP-599) for one CreateTopics, CreatePartitions
// or DeleteTopics request: the partitions it creates or deletes are taken
// from the client's quota sensor, topic after topic.
//
// As Kafka's ControllerMutationQuotaManager: versions that know
// THROTTLING_QUOTA_EXCEEDED (CreateTopics v6+, CreatePartitions v3+,
// DeleteTopics v5+) get a strict quota: a topic is refused with that error
// when the sensor is already over its quota, and one that finds it under is
// done whole, even if it takes the sensor over (a burst); only a refusal
// throttles. Older versions get a permissive one: everything is done and the
// client is throttled once the sensor is over. The answer carries the
// throttle time and the channel is muted for it. validate_only requests count nothing, as in Kafka.
#include <cstdint>
#include <optional>
#include <string>

#include "broker/quotas/quota_manager.h"

namespace sluice::broker::quotas {

class mutation_quota {
public:
    mutation_quota(quota_manager& quotas, std::string principal, std::optional<std::string> client_id, bool strict)
        : quotas_(quotas), principal_(std::move(principal)), client_id_(std::move(client_id)), strict_(strict) {}

    // Whether the next topic must be refused with THROTTLING_QUOTA_EXCEEDED.
    bool refuses_next(int64_t now_ms);
    // Counts `partitions` created or deleted.
    void record(int32_t partitions, int64_t now_ms);
    // For the answer's throttle_time_ms and the channel's mute.
    int32_t throttle_ms() const { return throttle_ms_; }

private:
    quota_manager& quotas_;
    std::string principal_;
    std::optional<std::string> client_id_;
    bool strict_;
    int32_t throttle_ms_ = 0;
};

}  // namespace sluice::broker::quotas

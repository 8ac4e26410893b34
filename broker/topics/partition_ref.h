#pragma once
// How work that leaves the I/O thread (a flush, a cleaning, a segment swap)
// names its partition when it comes back: topic, index and the log's
// incarnation. Never the partition_log's address: a topic deleted and
// re-created meanwhile may get a new log at the same address, and a stale
// completion must not touch it.
#include <cstdint>
#include <string>

#include "log/partition_log.h"

namespace sluice::broker {

class topic_registry;
struct partition_state;

struct partition_ref {
    std::string topic;
    int32_t partition = 0;
    log::log_incarnation incarnation{};
};

partition_ref ref_of(const std::string& topic, const partition_state& p);

// The partition if it still holds that very log; nullptr once it was deleted
// (or deleted and re-created).
partition_state* find_live(topic_registry& topics, const partition_ref& ref);

}  // namespace sluice::broker

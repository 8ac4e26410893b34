#pragma once
// Waiting until one partition's high watermark reaches an offset: the group
// coordinator appends offset commits as Kafka does, with acks=all, and
// acknowledges them only once the ISR holds them.
//
// Woken through the partition's waiter list (whatever moves the high
// watermark or the role wakes it), without polling. I/O thread only.
#include <cstdint>
#include <functional>

#include "broker/topics/partition_ref.h"

namespace sluice::broker {

class broker;

enum class commit_outcome { committed, not_enough_replicas_after_append, not_leader, timed_out };

// `done` is called once, possibly before this returns (already committed).
void await_commit(broker& b, partition_ref ref, int64_t required, int32_t timeout_ms,
                  std::function<void(commit_outcome)> done);

}  // namespace sluice::broker

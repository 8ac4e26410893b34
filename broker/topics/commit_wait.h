#pragma once
// Waiting until partitions' high watermarks reach offsets, as acks=all does
// (Kafka's DelayedProduce): a produce waits on every partition it appended
// to, and the group coordinator on its offset commits, which it acknowledges
// only once the ISR holds them. Each caller maps the outcome to its own
// error codes.
//
// One fetch_waiter per waiting partition, linked into the partition's
// waiter list: woken by whatever moves the high watermark or the role
// (topics/partition_leader.h), without polling. I/O thread only.
#include <cstdint>
#include <functional>
#include <vector>

#include "broker/topics/partition_ref.h"
#include "protocol/error_code.h"

namespace sluice::broker {

class broker;
struct partition_state;
struct topic_state;

// Where one partition's commit of an offset stands.
enum class commit_state { waiting, done, not_enough_replicas_after_append, not_leader };
// How a wait ended.
enum class commit_outcome { committed, not_enough_replicas_after_append, not_leader, timed_out };

// What an acks=all append answers for a wait's outcome (Kafka's
// DelayedProduce): none, REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS_AFTER_APPEND
// or NOT_LEADER_OR_FOLLOWER.
protocol::error_code acks_all_error(commit_outcome outcome);

// The acks=all test: committed up to `required`, or why it never will be.
commit_state commit_state_of(const topic_state& topic, const partition_state& p, int64_t required);

struct commit_target {
    partition_ref ref;
    int64_t required = 0;
};

// Waits until no target is `waiting` or `timeout_ms` passes. `done` is
// called once, possibly before this returns, with each target's outcome in
// order. A partition deleted (or re-created) meanwhile is `not_leader`: its
// records are gone.
void await_commits(broker& b, std::vector<commit_target> targets, int32_t timeout_ms,
                   std::function<void(std::vector<commit_outcome>)> done);

// The same for one partition.
void await_commit(broker& b, partition_ref ref, int64_t required, int32_t timeout_ms,
                  std::function<void(commit_outcome)> done);

}  // namespace sluice::broker

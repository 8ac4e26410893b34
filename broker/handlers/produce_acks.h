#pragma once
// acks=all: a produce whose records are appended but not yet committed waits
// until every partition's high watermark reaches its end (or the ISR fell
// below min.insync.replicas, or the leadership went), or until the request's
// timeout_ms (Kafka's DelayedProduce). The waiting is topics/commit_wait's;
// this maps each partition's outcome to the produce's error codes.
#include <cstdint>
#include <memory>
#include <vector>

#include "broker/handlers/handler.h"
#include "broker/topics/commit_wait.h"
#include "protocol/generated/produce.h"

namespace sluice::broker {

class broker;

// What a waiting partition needs: committed up to `required`.
using acks_outcome = commit_state;
inline acks_outcome check_acks(const topic_state& topic, const partition_state& p, int64_t required) {
    return commit_state_of(topic, p, required);
}

class pending_produce : public std::enable_shared_from_this<pending_produce> {
public:
    using response_t = protocol::produce_response;

    pending_produce(broker& b, response_t response, int16_t version);

    // Before start(): partition (topic_index, partition_index) of the
    // response waits for its high watermark to reach `required`.
    void add(size_t topic_index, size_t partition_index, partition_ref ref, int64_t required);
    // Parks the produce; `respond` is called once.
    void start(respond_fn respond, int32_t timeout_ms);

private:
    broker& b_;
    response_t response_;
    int16_t version_;
    std::vector<response_t::partition_produce_response*> outs_;  // one per target, in order
    std::vector<commit_target> targets_;
};

}  // namespace sluice::broker

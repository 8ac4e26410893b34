#pragma once
// acks=all: a produce whose records are appended but not yet committed waits
// here until every partition's high watermark reaches its end (or the ISR
// fell below min.insync.replicas, or the leadership went), or until the
// request's timeout_ms (Kafka's DelayedProduce).
//
// One fetch_waiter per waiting partition, linked into the partition's waiter
// list: woken by whatever moves the high watermark or the role
// (topics/partition_leader.h), without polling. I/O thread only.
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <deque>
#include <memory>

#include "broker/fetch/fetch_waiter.h"
#include "broker/handlers/handler.h"
#include "broker/topics/partition_ref.h"
#include "protocol/generated/produce.h"

namespace sluice::broker {

class broker;
struct partition_state;
struct topic_state;

// What a waiting partition needs: committed up to `required`.
enum class acks_outcome { waiting, done, not_enough_replicas_after_append, not_leader };
acks_outcome check_acks(const topic_state& topic, const partition_state& p, int64_t required);

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
    struct entry {
        response_t::partition_produce_response* out = nullptr;
        partition_ref ref;
        int64_t required = 0;
        bool settled = false;
        fetch_waiter node;
    };
    static void on_wake(void* context);
    // Settles what can be; true when nothing waits any more.
    bool settle();
    void arm();
    void finish();

    broker& b_;
    response_t response_;
    int16_t version_;
    boost::asio::steady_timer timer_;
    respond_fn respond_;
    std::deque<entry> entries_;  // stable addresses: the nodes are linked
    bool done_ = false;
};

}  // namespace sluice::broker

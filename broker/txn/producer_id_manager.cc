#include "broker/txn/producer_id_manager.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <utility>

#include "replication/metadata_store.h"

namespace sluice::broker::txn {

using protocol::error_code;
using protocol::producer_id;
using replication::producer_id_block;

producer_id_manager::producer_id_manager(replication::metadata_store& store, boost::asio::any_io_executor executor)
    : store_(store), executor_(std::move(executor)) {}

producer_id_manager::~producer_id_manager() { *alive_ = false; }

void producer_id_manager::next_id(id_fn done) {
    // Behind any earlier waiter, so ids go out in the order asked.
    waiting_.push_back(std::move(done));
    serve_waiting();
}

producer_id producer_id_manager::take() {
    producer_id id = next_;
    next_ = producer_id(id.value() + 1);
    int64_t threshold = current_.first.value() + current_.size * prefetch_percent / 100;
    if (id.value() >= threshold && !prefetched_ && !allocating_) allocate();
    return id;
}

void producer_id_manager::allocate() {
    allocating_ = true;
    std::weak_ptr<bool> alive = alive_;
    store_.allocate_producer_ids(executor_, [this, alive, ex = executor_](replication::op_result r,
                                                                          producer_id_block block) {
        // Posted even when the store answered inline, so that this never
        // runs inside next_id() or take().
        boost::asio::post(ex, [this, alive, r = std::move(r), block] {
            if (!alive.expired()) allocated(r, block);
        });
    });
}

void producer_id_manager::allocated(const replication::op_result& result, producer_id_block block) {
    allocating_ = false;
    replication::op_result r = result;
    // A block below one already used would repeat ids: refused, as Kafka's
    // broker refuses a block that is not monotonic.
    if (r.ok() && (!replication::producer_ids_left(block.first.value(), block.size) || block.first < current_.end())) {
        r = {error_code::unknown_server_error, "the store answered an invalid producer id block"};
    }
    if (!r.ok()) {
        spdlog::warn("no block of producer ids: {} ({}); {} InitProducerId request(s) retry", r.message,
                     protocol::to_wire(r.code), waiting_.size());
        for (auto& done : std::exchange(waiting_, {})) done(error_code::coordinator_load_in_progress, producer_id(-1));
        return;
    }
    spdlog::info("producer ids {} to {} are this broker's to hand out", block.first.value(), block.end().value() - 1);
    prefetched_ = block;
    serve_waiting();
}

void producer_id_manager::serve_waiting() {
    while (!waiting_.empty()) {
        if (!has_id() && prefetched_) {
            current_ = *std::exchange(prefetched_, std::nullopt);
            next_ = current_.first;
        }
        if (!has_id()) {
            if (!allocating_) allocate();
            return;
        }
        id_fn done = std::move(waiting_.front());
        waiting_.pop_front();
        done(error_code::none, take());
    }
}

}  // namespace sluice::broker::txn

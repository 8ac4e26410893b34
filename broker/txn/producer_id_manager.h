#pragma once
// Hands out producer ids to idempotent producers (InitProducerId), from
// blocks the metadata store allocates for this broker
// (metadata_store::allocate_producer_ids), as Kafka's RPCProducerIdManager
// does: ids come from the current block in order; once 90% of it is handed
// out the next block is fetched ahead, so a busy broker seldom waits.
//
// A request that finds no id waits for the block in flight (the first one
// after startup, or when the prefetch has not arrived yet). If that
// allocation fails, every waiter gets COORDINATOR_LOAD_IN_PROGRESS, which
// clients retry, and the next request asks the store again. One allocation
// is in flight at a time.
//
// Ids handed out are never given again: the store never hands out a block
// twice, and a block left unused at shutdown is simply skipped.
//
// Threading: the broker's I/O thread only. `done` runs inline when an id is
// at hand, else later on the executor given; store answers are always taken
// through that executor, so no callback re-enters the manager.
#include <boost/asio/any_io_executor.hpp>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>

#include "protocol/error_code.h"
#include "protocol/ids.h"
#include "replication/op_result.h"
#include "replication/producer_id_block.h"

namespace sluice::replication {
class metadata_store;
}

namespace sluice::broker::txn {

class producer_id_manager {
public:
    // Share of a block handed out before the next one is fetched.
    static constexpr int64_t prefetch_percent = 90;
    // An id when `error` is none; else -1.
    using id_fn = std::function<void(protocol::error_code error, protocol::producer_id id)>;

    producer_id_manager(replication::metadata_store& store, boost::asio::any_io_executor executor);
    ~producer_id_manager();
    producer_id_manager(const producer_id_manager&) = delete;
    producer_id_manager& operator=(const producer_id_manager&) = delete;

    void next_id(id_fn done);

    bool allocating() const { return allocating_; }
    size_t waiting() const { return waiting_.size(); }

private:
    bool has_id() const { return current_.contains(next_); }
    // The next id of the current block; starts the prefetch past the threshold.
    protocol::producer_id take();
    void allocate();
    void allocated(const replication::op_result& result, replication::producer_id_block block);
    // Answers waiters while there are ids; asks for a block when they run out.
    void serve_waiting();

    replication::metadata_store& store_;
    boost::asio::any_io_executor executor_;
    replication::producer_id_block current_;  // empty until the first block
    protocol::producer_id next_{0};
    std::optional<replication::producer_id_block> prefetched_;
    bool allocating_ = false;
    std::deque<id_fn> waiting_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sluice::broker::txn

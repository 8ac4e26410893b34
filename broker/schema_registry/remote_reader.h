#pragma once
// The registry state of a broker that holds no replica of `_schemas`
// partition 0 (the topic has at most 3 replicas; every other broker's log
// of it is empty): read from the partition's leader over the Kafka
// protocol, as Confluent's registry reads its store topic as a client.
//
// A loop of consumer fetches (replica id -1, read_uncommitted, long polls
// of `max_wait_ms`) from the leader this broker's metadata names, on the
// inter-broker listener with its TLS and SASL settings (txn/peer_links.h).
// The leader answers up to its high watermark, so what is applied is what
// is committed. Records go through the same apply function as the local
// log's (schemas_apply.h) and the same `next_offset`, so switching between
// the readers (this broker becoming a replica, or ceasing to be one)
// neither skips nor repeats a record. A failed fetch backs off (100 ms
// doubling to 2 s) and asks the metadata for the leader again; a changed
// leader is simply fetched from at the next round.
//
// I/O thread only.
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "broker/schema_registry/registry_state.h"
#include "broker/txn/peer_links.h"
#include "protocol/ids.h"

namespace sluice::broker {
class broker;
}

namespace sluice::broker::schema_registry {

// Which reader keeps the state now.
enum class schemas_source { none, local, remote };

// `replica`: this broker is one of the partition's replicas; `leader`: the
// partition's leader as this broker knows it (nullopt: none known).
schemas_source source_of(bool partition_known, bool replica, std::optional<protocol::node_id> leader,
                         protocol::node_id self);

class remote_reader {
public:
    static constexpr int32_t max_wait_ms = 500;
    static constexpr int32_t max_bytes = 1 << 20;
    static constexpr std::chrono::milliseconds idle_check{250};
    static constexpr std::chrono::milliseconds min_backoff{100};
    static constexpr std::chrono::milliseconds max_backoff{2000};

    // `state` and `next_offset` are the registry service's, shared with its
    // local reader.
    remote_reader(broker& b, registry_state& state, int64_t& next_offset);
    ~remote_reader();
    void start();
    void stop();

    // Calls `done` (on the I/O thread, never inline) once a fetch sent from
    // now on has been answered and applied, when the reader is not active,
    // or after `bound`, whichever comes first. A write forwarded to the
    // leader is committed when its answer arrives, so such a fetch brings
    // it: the broker answers the write once its own state shows it.
    void after_fresh_fetch(std::chrono::milliseconds bound, std::function<void()> done);

    // The leader's high watermark at the last successful fetch (-1 before).
    int64_t leader_high_watermark() const { return leader_hw_; }
    bool active() const { return active_; }
    // Active, and everything the leader had committed at the last fetch is
    // applied (false before the first fetch is answered).
    bool caught_up() const { return active_ && leader_hw_ >= 0 && next_offset_ >= leader_hw_; }

private:
    void round();
    void fetch_from(int32_t leader);
    void later(std::chrono::milliseconds delay);
    void failed(int32_t leader);
    void release(bool all);

    struct waiter {
        uint64_t wanted;  // the first fetch that counts
        std::shared_ptr<std::function<void()>> done;
    };

    broker& b_;
    registry_state& state_;
    int64_t& next_offset_;
    txn::peer_links links_;
    boost::asio::steady_timer timer_;
    std::chrono::milliseconds backoff_ = min_backoff;
    int64_t leader_hw_ = -1;
    bool active_ = false;
    uint64_t sent_ = 0;      // fetches sent
    uint64_t answered_ = 0;  // the last fetch answered (or failed)
    std::vector<waiter> waiters_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sluice::broker::schema_registry

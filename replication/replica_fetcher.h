#pragma once
// The follower fetcher for one leader broker (Kafka's ReplicaFetcherThread):
// keeps the partitions this broker follows whose leader that broker is, and
// copies the leader's log into each follower_log.
//
// One round at a time over one kafka_connection, as Kafka's fetcher thread:
//   1. ApiVersions after each (re)connect: every request below goes in the
//      newest version both sides speak.
//   2. Truncation (KIP-101/279): partitions in `truncating` send
//      OffsetForLeaderEpoch with their latest epoch and cut their log where
//      the leader's epoch history and theirs part (fetch_truncation.h). A
//      log with no epoch cuts to its high watermark without asking. With
//      `truncate_on_fetch` a log with an epoch goes straight to fetching.
//   3. Out of range: ListOffsets for the leader's log end, then (when needed)
//      its log start, as Kafka's fetchOffsetAndTruncate.
//   4. Fetch, with each partition's fetch offset, current leader epoch, last
//      fetched epoch (so the leader detects divergence, KIP-320) and log
//      start offset. Records are appended as they are; the high watermark
//      becomes min(leader's, own log end); the log start follows the leader's.
// Fetch sessions are not used: every Fetch is a full one (session id 0,
// epoch -1), which every leader serves; incremental sessions only save bytes.
//
// Errors. A leader that fences the partition's epoch, knows a newer one than
// ours, or is no longer its leader: the partition pauses and `on_problem`
// tells the owner, who refreshes metadata and calls update_partition (which
// resumes it) or remove_partition. Other partition errors back off that
// partition by `backoff`. A failed connection, timeout or a response that
// does not decode closes the connection and backs off the whole round; the
// next one reconnects and renegotiates versions. Fetch offsets only move
// after an append, so nothing is skipped or appended twice across that.
//
// Threading: every public call on the executor given, as kafka_connection;
// callbacks run there. After stop(), no callback runs and the connection is
// closed; the fetcher may be destroyed any time after stop().
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "protocol/error_code.h"
#include "protocol/ids.h"
#include "protocol/wire.h"
#include "replication/follower_log.h"
#include "replication/sasl_client.h"

namespace sluice::replication {

struct topic_partition {
    std::string topic;
    int32_t partition = 0;
    bool operator==(const topic_partition&) const = default;
};

enum class fetch_state { truncating, out_of_range, fetching, paused };

// What the owner (and the tests) can see of one partition.
struct fetcher_partition_status {
    fetch_state state = fetch_state::truncating;
    protocol::offset fetch_offset{0};
    protocol::leader_epoch current_leader_epoch{-1};
    protocol::error_code last_error = protocol::error_code::none;
    // The leader's high watermark at the last answer less the fetch offset
    // after it, at least 0 (Kafka's FetcherLagMetrics).
    int64_t lag = 0;
};

class replica_fetcher {
public:
    struct options {
        protocol::node_id replica_id{-1};  // this broker
        int64_t broker_epoch = -1;         // ReplicaEpoch (Fetch v15+)
        std::string leader_host;
        std::string leader_port;
        std::string client_id = "sluice-replica-fetcher";
        std::optional<sasl_login> sasl;           // SASL_* inter-broker listener
        std::string rack_id;                      // broker.rack
        int32_t max_wait_ms = 500;                // replica.fetch.wait.max.ms
        int32_t min_bytes = 1;                    // replica.fetch.min.bytes
        int32_t max_bytes = 10 << 20;             // replica.fetch.response.max.bytes
        int32_t partition_max_bytes = 1 << 20;    // replica.fetch.max.bytes
        std::chrono::milliseconds backoff{1000};  // replica.fetch.backoff.ms
        // Kafka 2.7+ (KIP-320 on the fetch path): skip OffsetForLeaderEpoch
        // for a log that knows its latest epoch when the leader speaks Fetch
        // v12+; the leader's DivergingEpoch answer drives the truncation.
        bool truncate_on_fetch = false;
        std::chrono::milliseconds connect_timeout{5000};
        std::chrono::milliseconds request_timeout{30000};  // replica.socket.timeout.ms
        // The inter-broker listener's TLS (kafka_connection::options).
        std::shared_ptr<boost::asio::ssl::context> tls = nullptr;
        bool tls_verify_host = true;
        // Kafka's follower replication throttle: how long to leave a
        // partition out of fetches (zero: fetch it now). Unset: no throttle.
        std::function<std::chrono::milliseconds(const topic_partition&)> throttle_hold;
        // The bytes a partition's records took in an answer (the throttle's
        // count, ReplicationBytesIn).
        std::function<void(const topic_partition&, size_t bytes)> fetched;
    };
    // A partition paused on `error` (fenced_leader_epoch, unknown_leader_epoch
    // or not_leader_or_follower): its metadata needs a refresh.
    using problem_fn = std::function<void(const topic_partition&, protocol::error_code error)>;

    static std::shared_ptr<replica_fetcher> create(boost::asio::any_io_executor executor, options opts,
                                                   problem_fn on_problem);
    virtual ~replica_fetcher() = default;

    // Follows `tp` (again) with the leader at `current_epoch`: it starts in
    // truncating. `topic_id` is used by Fetch v13+ (all zero: v12 at most).
    virtual void add_partition(const topic_partition& tp, const protocol::uuid& topic_id,
                               protocol::leader_epoch current_epoch, std::shared_ptr<follower_log> log) = 0;
    // New metadata for a followed partition: resumes it (truncating first, as
    // a leader change may have left the follower ahead). False if unknown.
    virtual bool update_partition(const topic_partition& tp, protocol::leader_epoch current_epoch) = 0;
    virtual void remove_partition(const topic_partition& tp) = 0;
    virtual std::optional<fetcher_partition_status> status(const topic_partition& tp) const = 0;

    // Cancels outstanding requests and timers; no callback after it returns.
    virtual void stop() = 0;
};

}  // namespace sluice::replication

template <>
struct std::hash<sluice::replication::topic_partition> {
    size_t operator()(const sluice::replication::topic_partition& tp) const noexcept {
        return std::hash<std::string>{}(tp.topic) * 31 + std::hash<int32_t>{}(tp.partition);
    }
};

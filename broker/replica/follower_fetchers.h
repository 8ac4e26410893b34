#pragma once
// Every partition this broker follows, grouped by leader (Kafka's
// ReplicaFetcherManager): num.replica.fetchers replica_fetchers per leader
// broker, each with its own connection; a partition goes to the one its
// topic and index hash to, as Kafka spreads them. A fetcher is created when
// its first partition arrives, stopped and dropped when its last one leaves.
//
// follow() puts a partition under its leader's fetcher: moved there from a
// previous leader's, resumed (truncating first) on a new epoch of the same
// leader, restarted with a new log or topic id. A leader whose endpoint
// changed (restarted elsewhere) gets a new fetcher and keeps its partitions.
// A fetcher's problem (fenced or unknown epoch, not the leader) goes to the
// owner's callback, which re-reads metadata and calls follow or unfollow.
//
// Threading: every call on the executor given, which must be the executor
// of the follower logs (the broker's I/O thread); callbacks run there.
// Nothing is called back after stop() (also done by the destructor).
#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "protocol/error_code.h"
#include "protocol/ids.h"
#include "replication/follower_log.h"
#include "replication/replica_fetcher.h"

namespace sluice::broker::replica {

// Where a leader broker listens for its followers.
struct endpoint {
    std::string host;
    std::string port;
    bool operator==(const endpoint&) const = default;
};

class follower_fetchers {
public:
    using endpoint_lookup = std::function<std::optional<endpoint>(protocol::node_id)>;
    using problem_fn = replication::replica_fetcher::problem_fn;

    // `base` is every fetcher's options (broker/replica/fetcher_options.h);
    // leader_host and leader_port are filled per leader from `endpoint_of`.
    // `per_leader` (num.replica.fetchers, at least 1): fetchers per leader.
    follower_fetchers(boost::asio::any_io_executor executor, replication::replica_fetcher::options base,
                      endpoint_lookup endpoint_of, problem_fn on_problem, int32_t per_leader = 1);
    ~follower_fetchers();
    follower_fetchers(const follower_fetchers&) = delete;
    follower_fetchers& operator=(const follower_fetchers&) = delete;

    // Follows `tp` from `leader` at `epoch`. leader_not_available when the
    // leader's endpoint is unknown (the partition is then followed nowhere:
    // call again once metadata names it), after stop(), or for a null log.
    protocol::error_code follow(const replication::topic_partition& tp, const protocol::uuid& topic_id,
                                protocol::node_id leader, protocol::leader_epoch epoch,
                                std::shared_ptr<replication::follower_log> log);
    // Stops following `tp` (this broker leads it now, or it was deleted).
    void unfollow(const replication::topic_partition& tp);
    void stop();

    std::optional<protocol::node_id> leader_of(const replication::topic_partition& tp) const;
    std::optional<replication::fetcher_partition_status> status(const replication::topic_partition& tp) const;
    size_t fetcher_count() const { return fetchers_.size(); }
    // The largest lag of any followed partition (ReplicaFetcherManager MaxLag).
    int64_t max_lag() const;
    size_t partition_count() const { return followed_.size(); }

private:
    struct followed {
        protocol::node_id leader{-1};
        protocol::uuid topic_id{};
        protocol::leader_epoch epoch{-1};
        std::shared_ptr<replication::follower_log> log;
    };
    // One of a leader's fetchers: (leader, index below per_leader).
    using fetcher_key = std::pair<protocol::node_id, int32_t>;
    struct leader_fetcher {
        endpoint at;
        std::shared_ptr<replication::replica_fetcher> fetcher;
        size_t partitions = 0;
    };

    // Which of a leader's fetchers `tp` goes to.
    int32_t slot_of(const replication::topic_partition& tp) const;
    // The fetcher `key` at `at`, created (or re-created elsewhere) as needed.
    leader_fetcher& fetcher_for(const fetcher_key& key, const endpoint& at);
    std::shared_ptr<replication::replica_fetcher> make_fetcher(const endpoint& at);
    // Takes `tp` off its leader's fetcher, dropping the fetcher if it empties.
    void detach(const replication::topic_partition& tp, const followed& f);
    // Stops a fetcher and lets it go once the current callback has returned
    // (the fetcher may be the one calling us).
    void retire(std::shared_ptr<replication::replica_fetcher> fetcher);

    boost::asio::any_io_executor executor_;
    replication::replica_fetcher::options base_;
    endpoint_lookup endpoint_of_;
    problem_fn on_problem_;
    int32_t per_leader_ = 1;
    std::map<fetcher_key, leader_fetcher> fetchers_;
    std::unordered_map<replication::topic_partition, followed> followed_;
    bool stopped_ = false;
};

}  // namespace sluice::broker::replica

#pragma once
// Every partition this broker follows, grouped by leader (Kafka's
// ReplicaFetcherManager with num.replica.fetchers=1): one replica_fetcher
// per leader broker, created when the first partition follows that leader,
// stopped and dropped when its last one leaves.
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
    follower_fetchers(boost::asio::any_io_executor executor, replication::replica_fetcher::options base,
                      endpoint_lookup endpoint_of, problem_fn on_problem);
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
    size_t partition_count() const { return followed_.size(); }

private:
    struct followed {
        protocol::node_id leader{-1};
        protocol::uuid topic_id{};
        protocol::leader_epoch epoch{-1};
        std::shared_ptr<replication::follower_log> log;
    };
    struct leader_fetcher {
        endpoint at;
        std::shared_ptr<replication::replica_fetcher> fetcher;
        size_t partitions = 0;
    };

    // The fetcher for `leader` at `at`, created (or re-created elsewhere) as needed.
    leader_fetcher& fetcher_for(protocol::node_id leader, const endpoint& at);
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
    std::map<protocol::node_id, leader_fetcher> fetchers_;
    std::unordered_map<replication::topic_partition, followed> followed_;
    bool stopped_ = false;
};

}  // namespace sluice::broker::replica

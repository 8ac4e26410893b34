#include "broker/replica/follower_fetchers.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <functional>

namespace sluice::broker::replica {

using protocol::error_code;
using replication::topic_partition;

follower_fetchers::follower_fetchers(boost::asio::any_io_executor executor, replication::replica_fetcher::options base,
                                     endpoint_lookup endpoint_of, problem_fn on_problem, int32_t per_leader)
    : executor_(std::move(executor)),
      base_(std::move(base)),
      endpoint_of_(std::move(endpoint_of)),
      on_problem_(std::move(on_problem)),
      per_leader_(std::max(1, per_leader)) {}

int32_t follower_fetchers::slot_of(const topic_partition& tp) const {
    // Kafka's spread: (31 * hash(topic) + partition) mod the fetcher count.
    uint64_t h = 31 * static_cast<uint64_t>(std::hash<std::string>{}(tp.topic)) + static_cast<uint64_t>(tp.partition);
    return static_cast<int32_t>(h % static_cast<uint64_t>(per_leader_));
}

follower_fetchers::~follower_fetchers() { stop(); }

error_code follower_fetchers::follow(const topic_partition& tp, const protocol::uuid& topic_id,
                                     protocol::node_id leader, protocol::leader_epoch epoch,
                                     std::shared_ptr<replication::follower_log> log) {
    if (stopped_ || !log) return error_code::leader_not_available;
    std::optional<endpoint> at = endpoint_of_ ? endpoint_of_(leader) : std::nullopt;
    auto it = followed_.find(tp);
    // Another leader, or another log or topic behind the same name: the old
    // fetcher lets go first.
    const bool same = it != followed_.end() && at && it->second.leader == leader && it->second.log == log &&
                      it->second.topic_id == topic_id;
    if (it != followed_.end() && !same) {
        detach(tp, it->second);
        followed_.erase(it);
    }
    if (!at) return error_code::leader_not_available;

    leader_fetcher& lf = fetcher_for({leader, slot_of(tp)}, *at);
    if (auto kept = followed_.find(tp); kept != followed_.end()) {
        kept->second.epoch = epoch;
        // Resumes a paused partition too: the owner re-read metadata.
        lf.fetcher->update_partition(tp, epoch);
        return error_code::none;
    }
    followed_[tp] = followed{leader, topic_id, epoch, log};
    lf.fetcher->add_partition(tp, topic_id, epoch, std::move(log));
    ++lf.partitions;
    return error_code::none;
}

void follower_fetchers::unfollow(const topic_partition& tp) {
    auto it = followed_.find(tp);
    if (it == followed_.end()) return;
    detach(tp, it->second);
    followed_.erase(it);
}

void follower_fetchers::stop() {
    if (stopped_) return;
    stopped_ = true;
    for (auto& [leader, lf] : fetchers_)
        retire(std::move(lf.fetcher));
    fetchers_.clear();
    followed_.clear();
}

std::optional<protocol::node_id> follower_fetchers::leader_of(const topic_partition& tp) const {
    auto it = followed_.find(tp);
    if (it == followed_.end()) return std::nullopt;
    return it->second.leader;
}

std::optional<replication::fetcher_partition_status> follower_fetchers::status(const topic_partition& tp) const {
    auto it = followed_.find(tp);
    if (it == followed_.end()) return std::nullopt;
    auto lf = fetchers_.find({it->second.leader, slot_of(tp)});
    if (lf == fetchers_.end()) return std::nullopt;
    return lf->second.fetcher->status(tp);
}

int64_t follower_fetchers::max_lag() const {
    int64_t most = 0;
    for (const auto& [tp, f] : followed_) {
        if (auto s = status(tp)) most = std::max(most, s->lag);
    }
    return most;
}

follower_fetchers::leader_fetcher& follower_fetchers::fetcher_for(const fetcher_key& key, const endpoint& at) {
    auto it = fetchers_.find(key);
    if (it != fetchers_.end() && it->second.at == at) return it->second;
    leader_fetcher fresh{at, make_fetcher(at), 0};
    if (it != fetchers_.end()) {
        // The leader moved (restarted on another address): its partitions go
        // to a fetcher connected there, truncating first as after any change.
        retire(std::move(it->second.fetcher));
        for (const auto& [tp, f] : followed_) {
            if (f.leader != key.first || slot_of(tp) != key.second) continue;
            fresh.fetcher->add_partition(tp, f.topic_id, f.epoch, f.log);
            ++fresh.partitions;
        }
        it->second = std::move(fresh);
        return it->second;
    }
    return fetchers_.emplace(key, std::move(fresh)).first->second;
}

std::shared_ptr<replication::replica_fetcher> follower_fetchers::make_fetcher(const endpoint& at) {
    replication::replica_fetcher::options opts = base_;
    opts.leader_host = at.host;
    opts.leader_port = at.port;
    // A fetcher's problems reach the owner only while this manager runs;
    // fetchers are stopped (no more callbacks) before it goes.
    return replication::replica_fetcher::create(executor_, std::move(opts),
                                                [this](const topic_partition& tp, error_code error) {
                                                    if (!stopped_ && on_problem_) on_problem_(tp, error);
                                                });
}

void follower_fetchers::detach(const topic_partition& tp, const followed& f) {
    auto it = fetchers_.find({f.leader, slot_of(tp)});
    if (it == fetchers_.end()) return;
    it->second.fetcher->remove_partition(tp);
    if (--it->second.partitions > 0) return;
    retire(std::move(it->second.fetcher));
    fetchers_.erase(it);
}

void follower_fetchers::retire(std::shared_ptr<replication::replica_fetcher> fetcher) {
    if (!fetcher) return;
    fetcher->stop();
    boost::asio::post(executor_, [keep = std::move(fetcher)] {});
}

}  // namespace sluice::broker::replica

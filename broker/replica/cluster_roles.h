#pragma once
// Cluster mode: each partition's role follows what the controller decided in
// the metadata store. Leader here: the partition takes produces and serves
// fetches (topics/partition_leader.h); follower: it fetches from its leader
// (follower_fetchers) and serves nothing; neither (no leader, or not a
// replica): it serves nothing and fetches nothing.
//
// Re-applied for a topic whenever the store reports it changed (the
// controller moved a leader, an ISR changed), for every topic when brokers
// come or go (a leader's endpoint), and for a partition a fetcher reports
// fenced or no longer led. Applying the same state twice changes nothing.
//
// A leader's ISR changes go to the store (Kafka's AlterPartition), guarded by
// the leader and partition epochs it holds; the answer is applied here.
//
// I/O thread only.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "broker/replica/follower_fetchers.h"

namespace sluice::broker {
class broker;
struct partition_state;
struct topic_state;
}  // namespace sluice::broker

namespace sluice::broker::replica {

class partition_follower_log;

class cluster_roles {
public:
    explicit cluster_roles(broker& b);
    ~cluster_roles();

    // Applies every topic's state, then follows the store.
    void start();
    // Stops fetching (shutdown).
    void stop();
    // Controlled shutdown has begun: roles still follow the store, but a
    // partition this broker follows is no longer fetched once the controller
    // has taken it out of the ISR (Kafka's StopReplica), so the leader never
    // sees it catch up and propose it back.
    void begin_controlled_shutdown();
    // A topic leaving the registry: its partitions are no longer followed.
    void forget(const topic_state& topic);
    const follower_fetchers& fetchers() const { return *fetchers_; }

private:
    void apply(const std::string& topic);
    void apply_all();
    void apply_partition(topic_state& topic, partition_state& p);
    void propose_isr(const std::string& topic, const partition_state& p, const std::vector<protocol::node_id>& isr);
    void retry_later(const std::string& topic);
    void drop_data(partition_state& p, const replication::topic_partition& tp);

    broker& broker_;
    std::unique_ptr<follower_fetchers> fetchers_;
    // The follower log adapters by (topic, partition), reused while the log is
    // the same one.
    std::map<std::pair<std::string, int32_t>, std::shared_ptr<partition_follower_log>> logs_;
    std::set<std::string> retrying_;  // topics with a retry_later pending
    std::shared_ptr<void> topic_watch_;
    std::shared_ptr<void> cluster_watch_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    bool leaving_ = false;
};

}  // namespace sluice::broker::replica

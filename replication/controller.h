#pragma once
// The controller's work, while this broker holds the role: keep every
// partition's leader and ISR consistent with the live brokers. When a broker
// goes, its partitions get new leaders from their ISRs (or, where
// unclean.leader.election.enable allows, from any live replica) with a new
// leader epoch; a broker in controlled shutdown hands its leaderships to
// other in-sync replicas and leaves the ISRs (controlled_shutdown.h); every
// leader.imbalance.check.interval.seconds, leadership returns to preferred
// replicas on brokers whose share led elsewhere is above
// leader.imbalance.per.broker.percentage (auto.leader.rebalance.enable,
// leader_rebalance.h), and on request (ElectLeaders). A reassignment in
// progress completes once every target replica is in the ISR
// (partition_reassignment.h).
//
// Every write is guarded by the controller epoch (controller_election::
// fenced_by) and the partition state it read, so a deposed controller's
// decisions never land. A refused write needs no retry logic: the mirror
// changes, topics_changed() runs again, and the decision is made afresh.
//
// Threading: everything on the executor of the mirror and the election.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <functional>
#include <set>
#include <string>
#include <utility>

#include "replication/broker_directory.h"
#include "replication/cluster_metadata.h"
#include "replication/controller_election.h"

namespace sluice::replication {

class controller {
public:
    struct settings {
        bool unclean_leader_election = false;  // unclean.leader.election.enable (broker default)
        bool auto_leader_rebalance = true;     // auto.leader.rebalance.enable
        // leader.imbalance.check.interval.seconds, leader.imbalance.per.broker.percentage
        std::chrono::milliseconds imbalance_check_interval{300'000};
        int32_t imbalance_percentage = 10;
    };

    controller(boost::asio::any_io_executor executor, cluster_metadata& metadata, const broker_directory& brokers,
               const controller_election& election, settings s);
    ~controller();

    // Call on every change; they do nothing unless this broker is the controller.
    void brokers_changed();
    void topics_changed(const std::set<std::string>& topics);
    void elected();

    // ElectLeaders (preferred) for one partition: NONE when it leads now or
    // the write went out, ELECTION_NOT_NEEDED, PREFERRED_LEADER_NOT_AVAILABLE,
    // UNKNOWN_TOPIC_OR_PARTITION, NOT_CONTROLLER.
    protocol::error_code elect_preferred(const std::string& topic, int32_t partition);

    // Partition writes issued and not yet seen back in the mirror.
    size_t writes_in_flight() const { return in_flight_.size(); }

    // One automatic rebalance check (what the timer runs while elected);
    // the number of leadership moves it wrote.
    size_t check_imbalance();

private:
    void reconcile(const std::string& topic);
    void write(const cluster_metadata::topic_entry& t, int32_t partition, partition_registration next);
    std::set<int32_t> live() const;
    std::set<int32_t> leaving() const;  // live brokers in controlled shutdown
    void schedule_imbalance_check();
    bool unclean_allowed(const topic_record& t) const;

    boost::asio::any_io_executor executor_;
    cluster_metadata& metadata_;
    const broker_directory& brokers_;
    const controller_election& election_;
    settings settings_;
    std::set<std::pair<std::string, int32_t>> in_flight_;  // (topic id text, partition)
    boost::asio::steady_timer imbalance_timer_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sluice::replication

#pragma once
// The cluster's metadata store: topics in etcd (cluster_metadata: one
// listing, one watch, compare-and-swap writes), the cluster id at
// <prefix>/cluster_id (the first broker writes it). Selected by
// `metadata.etcd.endpoints`; every broker of the cluster points at the same
// etcd and prefix.
//
// Reads answer from the mirror. A mutation checks what the mirror shows
// (name rules, collisions, counts), writes with a transaction comparing what
// it read, and answers once this broker's mirror has applied the write, so
// whoever gets `done` ok reads the change back at once. A write that lost a
// race is conflict_code (configs) or the error the new state calls for.
//
// The watch tells subscribers of every topic change the mirror applies: this
// broker's writes and everyone else's alike, partition state included.
//
// Membership (cluster_membership) lives as long as the store: open()
// registers this broker (refusing a live duplicate node.id), follows the
// live brokers and campaigns for the controller; while elected, this store's
// broker runs the controller over the mirror. watch_cluster() hears of
// brokers coming and going and of controller changes.
//
// Producer ids: blocks from one counter in etcd (etcd_producer_ids). The
// answer does not wait for the mirror: no read of the store shows the
// counter.
//
// Placement: replica_assignment over the live brokers (rack-aware), at a
// random start as Kafka does; or explicit assignments, checked against the
// live brokers. A new partition's ISR is all its replicas, led by the first.
//
// Threading: everything runs on the executor given to open() (the broker's
// I/O thread); reads must come from there too. `done` is posted to the
// executor each caller gives.
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "replication/cluster_membership.h"
#include "replication/cluster_metadata.h"
#include "replication/etcd/etcd_client.h"
#include "replication/etcd_producer_ids.h"
#include "replication/metadata_store.h"
#include "replication/replica_assignment.h"
#include "replication/topic_watchers.h"

namespace sluice::replication {

class etcd_metadata_store final : public metadata_store {
public:
    struct options {
        std::string endpoints;  // "http://host:port[,...]"
        std::string prefix = "/sluice";
        std::chrono::milliseconds session_timeout{6000};
        int32_t node_id = 0;
        // This broker as registered: advertised listeners (the first is what
        // live_brokers() reports) and broker.rack.
        std::vector<broker_endpoint> listeners;
        std::optional<std::string> rack;
        bool unclean_leader_election = false;  // unclean.leader.election.enable
        bool auto_leader_rebalance = true;     // auto.leader.rebalance.enable
        // leader.imbalance.check.interval.seconds, leader.imbalance.per.broker.percentage
        std::chrono::milliseconds imbalance_check_interval{300'000};
        int32_t imbalance_percentage = 10;
        // How long open() waits for etcd before giving up.
        std::chrono::milliseconds startup_timeout{30000};
    };

    // Connects, agrees on the cluster id, loads the mirror and registers this
    // broker, running `io` (which must not be running yet) until done.
    // Throws metadata_error (also for a live broker holding this node.id).
    static std::unique_ptr<etcd_metadata_store> open(boost::asio::io_context& io, const options& opts,
                                                     const std::optional<std::string>& configured_cluster_id);
    ~etcd_metadata_store() override;

    std::string cluster_id() const override { return cluster_id_; }
    std::vector<topic_metadata> list_topics() const override;
    std::optional<topic_metadata> get_topic(std::string_view name) const override;
    std::optional<topic_metadata> get_topic_by_id(const protocol::uuid& id) const override;

    std::vector<broker_node> live_brokers() const override;
    std::optional<protocol::node_id> controller_id() const override;
    std::vector<partition_registration> partition_states(std::string_view topic) const override;
    std::optional<partition_registration> partition_state(std::string_view topic, int32_t partition) const override;

    using metadata_store::create_topic;
    void create_topic(topic_metadata topic, replica_assignments assignments, executor ex, created_fn done) override;
    void delete_topic(std::string name, executor ex, done_fn done) override;
    using metadata_store::set_partition_count;
    void set_partition_count(std::string name, int32_t count, replica_assignments assignments, executor ex,
                             done_fn done) override;
    void set_topic_configs(std::string name, topic_configs configs, std::optional<topic_configs> expected,
                           executor ex, done_fn done) override;
    void allocate_producer_ids(executor ex, producer_ids_fn done) override;
    void alter_isr(std::string topic, int32_t partition, protocol::node_id from_leader,
                   protocol::leader_epoch leader_epoch, int32_t partition_epoch, std::vector<int32_t> new_isr,
                   executor ex, partition_fn done) override;
    // In etcd_elect_leader.cc.
    void elect_leader(std::string topic, int32_t partition, election_type type, executor ex,
                      done_fn done) override;
    // In etcd_reassign.cc.
    void alter_reassignment(std::string topic, int32_t partition, std::optional<std::vector<int32_t>> target,
                            executor ex, done_fn done) override;
    record_map records(std::string_view kind) const override;
    void update_records(std::string kind, record_changes changes, executor ex, done_fn done) override;
    subscription watch_records(executor ex, std::function<void(const std::string& kind)> on_change) override;
    subscription watch(executor ex, watch_fn on_change) override;
    subscription watch_cluster(executor ex, std::function<void()> on_change) override;
    void stop(std::function<void()> done) override;
    // etcd_store_shutdown.cc
    void controlled_shutdown(std::chrono::milliseconds bound, std::function<void(size_t)> done) override;

    bool is_controller() const { return membership_->is_controller(); }

private:
    etcd_metadata_store(boost::asio::io_context& io, const options& opts);
    // Answers `done` on `ex` once the mirror shows the write (if it succeeded).
    void finish(const write_result& r, executor ex, done_fn done);
    // Writes a partition state decided on the mirror, comparing the key's
    // revision: a change made meanwhile (the controller's) wins and this
    // one answers invalid_update_version (etcd_elect_leader.cc).
    void write_decided(const protocol::uuid& topic_id, int32_t partition, partition_registration next, executor ex,
                       done_fn done);
    // Replicas for partitions first..first+count-1: `explicit_` checked, or placed.
    assignment_result place(int32_t first, int32_t count, int16_t replication_factor,
                            const replica_assignments& explicit_) const;

    options options_;
    std::unique_ptr<etcd::client> client_;
    std::unique_ptr<cluster_metadata> mirror_;
    std::unique_ptr<etcd_producer_ids> producer_ids_;
    std::unique_ptr<cluster_membership> membership_;
    topic_watchers watchers_;
    topic_watchers cluster_watchers_;  // notified with one empty name
    topic_watchers record_watchers_;   // notified with the kinds
    std::string cluster_id_;
    boost::asio::any_io_executor executor_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sluice::replication

#pragma once
// Where the cluster's metadata lives: the cluster id, the live brokers and
// the controller, and per topic its id, partition count, replication factor,
// config overrides and each partition's state (replicas, ISR, leader,
// epochs), and the next free producer id. The broker talks
// to this interface only; a single node uses local_metadata_store (a file
// under the first log dir), a cluster etcd_metadata_store (etcd, mirrored).
//
// Reads answer at once from memory (the file's contents, or the mirror of
// etcd). Mutations are asynchronous: `done` runs exactly once, with the
// result, either before the call returns (a store that can answer at once,
// as the local file does) or later on the executor given — so a round trip
// to etcd never blocks an I/O thread. Callers handle both. A mutation that
// answered ok is durable and visible to the reads of this store.
//
// Failures are answers, not exceptions: an op_result carrying the Kafka
// error code for the client.
//
// Watch: subscribers hear of every topic change, whoever made it (this
// process or, for a shared store, another broker), as the names of the
// topics that changed; they re-read those topics. A change of a partition's
// state (the controller moving a leader, a leader's ISR change) counts as a
// change of its topic. Membership has its own watch (watch_cluster): brokers
// joining or leaving, the controller changing; subscribers re-read
// live_brokers() and controller_id(). Notifications are posted to the
// subscriber's executor, never run inline.
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/ids.h"
#include "protocol/wire.h"
#include "replication/broker_info.h"
#include "replication/leader_election.h"
#include "replication/op_result.h"
#include "replication/partition_registration.h"
#include "replication/producer_id_block.h"

namespace sluice::replication {

// A topic's explicit config overrides, name -> value, as the client sent
// them. broker/config validates them (validate_topic_configs) and resolves
// them against the broker defaults; the store only keeps them.
using topic_configs = std::map<std::string, std::string>;

struct topic_metadata {
    std::string name;
    protocol::uuid topic_id;
    int32_t partition_count = 1;
    int16_t replication_factor = 1;
    topic_configs configs;  // explicit overrides only
    bool operator==(const topic_metadata&) const = default;
};

// Small records the security layer keeps (SCRAM credentials, ACLs, client
// quotas), grouped by kind ("acl", "scram", ...) and keyed within it; values
// are opaque text (JSON by convention). Kinds hold no '/'.
using record_map = std::map<std::string, std::string>;
// Changes to one kind, applied together: a value to put, nullopt to delete.
using record_changes = std::map<std::string, std::optional<std::string>>;

// A live broker as clients reach it: its first advertised listener.
struct broker_node {
    protocol::node_id id{0};
    std::string host;  // of its first advertised listener
    int32_t port = 0;
    std::optional<std::string> rack;
    // Every advertised listener, when the store knows them (etcd): clients
    // are answered with the listener they came in on, brokers reach each
    // other on inter.broker.listener.name's.
    std::vector<broker_endpoint> endpoints = {};
    bool operator==(const broker_node&) const = default;
};

// Explicit placement (CreateTopics' assignments): partition -> broker ids,
// preferred leader first. Empty: the store places the replicas itself.
using replica_assignments = std::map<int32_t, std::vector<int32_t>>;

// What a compare-and-swap that lost answers: someone changed the value
// between the caller's read and its write. The caller re-reads and decides
// again.
inline constexpr protocol::error_code conflict_code = protocol::error_code::invalid_update_version;

// A store that cannot be opened (startup only: a corrupt file, etcd out of
// reach, a cluster id that does not match).
// Whether `changes` to `kind` may go to update_records (not an ok: why not).
op_result check_record_changes(std::string_view kind, const record_changes& changes);

class metadata_error : public std::runtime_error {
public:
    explicit metadata_error(const std::string& what) : std::runtime_error(what) {}
};

class metadata_store {
public:
    using executor = boost::asio::any_io_executor;
    using done_fn = std::function<void(op_result)>;
    // The topic as stored (with its id) when ok.
    using created_fn = std::function<void(op_result, topic_metadata)>;
    // The names of topics created, deleted or changed.
    using watch_fn = std::function<void(const std::vector<std::string>& topics)>;
    // A partition's state after an accepted change.
    using partition_fn = std::function<void(op_result, partition_registration)>;
    // A block of producer ids when ok.
    using producer_ids_fn = std::function<void(op_result, producer_id_block)>;
    // Notifications flow while this is held; dropping it ends them.
    using subscription = std::shared_ptr<void>;

    virtual ~metadata_store() = default;

    virtual std::string cluster_id() const = 0;

    virtual std::vector<topic_metadata> list_topics() const = 0;
    virtual std::optional<topic_metadata> get_topic(std::string_view name) const = 0;
    virtual std::optional<topic_metadata> get_topic_by_id(const protocol::uuid& id) const = 0;

    // Brokers alive now, by id (a single node: itself).
    virtual std::vector<broker_node> live_brokers() const = 0;
    // The elected controller; nullopt while there is none (between one
    // controller's session ending and the next one's election).
    virtual std::optional<protocol::node_id> controller_id() const = 0;
    // Each partition's state, indexed by partition (empty for an unknown
    // topic). A single node: itself the only replica, leader, epochs 0.
    virtual std::vector<partition_registration> partition_states(std::string_view topic) const = 0;
    virtual std::optional<partition_registration> partition_state(std::string_view topic,
                                                                  int32_t partition) const = 0;

    // Creates `topic` if its name is free (compare-and-swap on absence); a
    // zero topic_id is replaced by a random one. Replicas are placed over the
    // live brokers (replication_factor of them per partition, already
    // resolved from -1 by the caller), or as `assignments` say. Errors:
    // invalid_topic_exception (bad name or one colliding over '.'/'_'),
    // topic_already_exists, invalid_partitions, invalid_replication_factor
    // (also: more than there are live brokers), invalid_replica_assignment,
    // kafka_storage_error. Config overrides are stored as given: the caller
    // validates them.
    void create_topic(topic_metadata topic, executor ex, created_fn done) {
        create_topic(std::move(topic), {}, std::move(ex), std::move(done));
    }
    virtual void create_topic(topic_metadata topic, replica_assignments assignments, executor ex,
                              created_fn done) = 0;
    // unknown_topic_or_partition if absent.
    virtual void delete_topic(std::string name, executor ex, done_fn done) = 0;
    // Partitions can only be added: invalid_partitions unless count is larger
    // than the stored one. The new ones are placed as create_topic places
    // (the topic's replication factor), or as `assignments` say (keys from
    // the old count on; invalid_replica_assignment).
    void set_partition_count(std::string name, int32_t count, executor ex, done_fn done) {
        set_partition_count(std::move(name), count, {}, std::move(ex), std::move(done));
    }
    virtual void set_partition_count(std::string name, int32_t count, replica_assignments assignments, executor ex,
                                     done_fn done) = 0;
    // Replaces the topic's overrides; with `expected`, only if they still are
    // `expected` (else conflict_code): read, modify, compare-and-swap.
    virtual void set_topic_configs(std::string name, topic_configs configs, std::optional<topic_configs> expected,
                                   executor ex, done_fn done) = 0;

    // Kafka's AlterPartition: the leader `from_leader` sets the ISR of a
    // partition whose state it knows at these epochs. Refusals:
    // not_leader_or_follower (not the leader), fenced_leader_epoch (another
    // leader epoch), invalid_update_version (a stale partition epoch, or a
    // change that raced this one), invalid_request (an ISR without the leader
    // or with non-replicas), unknown_topic_or_partition. `done` gets the new
    // state when ok. A single node accepts only the ISR it already has.
    virtual void alter_isr(std::string topic, int32_t partition, protocol::node_id from_leader,
                           protocol::leader_epoch leader_epoch, int32_t partition_epoch, std::vector<int32_t> new_isr,
                           executor ex, partition_fn done) = 0;

    // Kafka's AllocateProducerIds: the next producer_id_block::default_size
    // ids, which no broker got before and none will get after, in this
    // cluster's life; stored durably before `done` runs ok. Errors:
    // kafka_storage_error (the file not written), request_timed_out (etcd out
    // of reach), conflict_code (lost every compare-and-swap it tried),
    // unknown_server_error (an unreadable stored counter, or no ids left).
    virtual void allocate_producer_ids(executor ex, producer_ids_fn done) = 0;

    // The records of one kind, key -> value (empty for an unknown kind).
    virtual record_map records(std::string_view kind) const = 0;
    // Applies `changes` (at most max_record_changes; deleting an absent key
    // is no error) all at once, durably; `done` ok once records() shows
    // them. Errors: invalid_request (a bad kind, too many changes),
    // kafka_storage_error (the file not written), request_timed_out (etcd
    // out of reach).
    static constexpr size_t max_record_changes = 100;
    virtual void update_records(std::string kind, record_changes changes, executor ex, done_fn done) = 0;
    // Told the kind whose records changed, whoever changed them.
    virtual subscription watch_records(executor ex, std::function<void(const std::string& kind)> on_change) = 0;

    virtual subscription watch(executor ex, watch_fn on_change) = 0;
    // Brokers joining or leaving and controller changes (never for a single node).
    virtual subscription watch_cluster(executor ex, std::function<void()> on_change) = 0;

    // Controlled shutdown (controlled.shutdown.enable): asks the controller
    // to move every leadership this broker holds to another in-sync replica
    // and to take it out of the ISRs, and waits until this store shows that
    // done or `bound` has passed. `done` once, with the number of partitions
    // it still leads that another replica could have taken (0: all moved).
    // A single node has nobody to hand over to: done(0) at once.
    virtual void controlled_shutdown(std::chrono::milliseconds bound, std::function<void(size_t remaining)> done) {
        (void)bound;
        done(0);
    }

    // ElectLeaders for one partition (replication/leader_election.h): the
    // new leader written, `done` once this store shows it; else
    // election_not_needed, preferred_leader_not_available,
    // eligible_leaders_not_available, unknown_topic_or_partition. Any broker
    // may ask: the write compares the partition state it decided on, so a
    // controller's concurrent change wins and this one is refused
    // (invalid_update_version). A single node always leads already.
    virtual void elect_leader(std::string topic, int32_t partition, election_type type, executor ex,
                              done_fn done) = 0;

    // AlterPartitionReassignments for one partition
    // (replication/partition_reassignment.h): a target replica list starts
    // (or replaces) a reassignment, nullopt cancels the one in progress;
    // `done` once this store shows the new state. Errors:
    // invalid_replica_assignment, no_reassignment_in_progress,
    // unknown_topic_or_partition, invalid_update_version (the partition
    // changed meanwhile). Any broker may ask, as with elect_leader. The
    // reassignments in progress are read from partition_states(). A single
    // node takes only [itself], changing nothing.
    virtual void alter_reassignment(std::string topic, int32_t partition, std::optional<std::vector<int32_t>> target,
                                    executor ex, done_fn done) = 0;

    // Leaves the cluster at once (the broker's session revoked, so a restart
    // need not wait for it to expire) and stops every background activity;
    // `done` once, maybe inline. Reads still answer from what was last known.
    virtual void stop(std::function<void()> done) = 0;
};

}  // namespace sluice::replication

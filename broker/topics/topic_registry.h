#pragma once
// The broker's topics: their metadata (from the metadata store), their
// resolved settings and, per partition, the log and the fetches waiting on it.
//
// Owned by the broker's executor; nothing here is touched from other threads.
// Creating, growing and deleting topics goes through here so the metadata
// store and the logs on disk never disagree. Changes are asynchronous (the
// store may be etcd): `done` runs once, on the broker's executor or before
// the call returns.
//
// The registry also follows the store's watch: a topic created, grown,
// reconfigured or deleted by someone else (another broker sharing the
// store) is applied here — logs opened or removed — by comparing the
// store's view of that topic with the registry's (reconcile), which makes
// applying a change twice, or a change this broker made itself, harmless.
#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "broker/config/broker_config.h"
#include "broker/config/op_result.h"
#include "broker/config/topic_config.h"
#include "broker/fetch/fetch_waiter.h"
#include "broker/metrics/partition_metrics.h"
#include "broker/topics/partition_replica.h"
#include "replication/metadata_store.h"
#include "log/log_manager.h"

namespace sluice::broker {

using replication::metadata_store;
using replication::topic_metadata;

struct partition_state {
    int32_t index = 0;
    log::partition_log* log = nullptr;
    bool flush_in_flight = false;  // a flush job of this partition is queued or running
    // Leader or follower (topics/partition_leader.h changes it).
    partition_replica replica{node_id(-1)};
    // Fetches and acks=all produces parked until the log or its high
    // watermark moves (or the role changes); notify() wakes (and unlinks)
    // them all, so they re-check without polling. A waiter that finishes
    // otherwise unlinks itself.
    waiter_list waiters;
    void notify() { waiters.wake_all(); }
    metrics::partition_metrics metrics;  // written by the hot path, summed by the scrape
};

struct topic_state {
    topic_metadata meta;
    topic_settings settings;
    std::vector<std::unique_ptr<partition_state>> partitions;
    bool internal() const { return meta.name.starts_with("__"); }
};

class topic_registry {
public:
    using done_fn = std::function<void(op_result)>;
    using executor = boost::asio::any_io_executor;

    topic_registry(const broker_config& config, metadata_store& store, log::log_manager& logs, executor ex);

    // Opens the logs of every topic the store knows (startup), then follows
    // the store's watch.
    void load();
    // Called with a topic just before it leaves the registry (deleted here
    // or elsewhere), its logs still open.
    void on_drop(std::function<void(const topic_state&)> hook) { on_drop_ = std::move(hook); }

    // Where a leader sends an ISR change (the cluster wiring, to the
    // controller; it answers through set_isr in topics/partition_leader.h).
    // Unset, as on a single node, no change is ever proposed.
    using isr_proposal_fn =
        std::function<void(const std::string& topic, const partition_state& p, const std::vector<node_id>& isr)>;
    void on_isr_proposal(isr_proposal_fn hook) { propose_isr_ = std::move(hook); }
    // One pass of ISR maintenance (every replica.lag.time.max.ms / 2): each
    // partition led here with a change due and none pending proposes it.
    void check_isr(int64_t now_ms);

    topic_state* find(std::string_view name);
    topic_state* find(const protocol::uuid& id);
    partition_state* find(std::string_view topic, int32_t partition);
    const std::map<std::string, std::unique_ptr<topic_state>, std::less<>>& all() const { return topics_; }

    // CreateTopics semantics; `validate_only` checks everything and changes
    // nothing. With `assignments` (checked by the caller, see
    // replication/manual_assignment.h) the replicas go where they say and
    // the factor is not bounded by the live brokers.
    void create(const std::string& name, int32_t partitions, int16_t replication_factor,
                const topic_config& configs, bool validate_only, done_fn done) {
        create(name, partitions, replication_factor, configs, {}, validate_only, std::move(done));
    }
    void create(const std::string& name, int32_t partitions, int16_t replication_factor,
                const topic_config& configs, replication::replica_assignments assignments, bool validate_only,
                done_fn done);
    void remove(const std::string& name, done_fn done);
    void add_partitions(const std::string& name, int32_t new_total, bool validate_only, done_fn done) {
        add_partitions(name, new_total, {}, validate_only, std::move(done));
    }
    void add_partitions(const std::string& name, int32_t new_total, replication::replica_assignments assignments,
                        bool validate_only, done_fn done);
    // Replaces the topic's overrides.
    void set_configs(const std::string& name, const topic_config& configs, bool validate_only, done_fn done);
    // Read, modify, compare-and-swap: `change` edits the overrides as stored
    // (an error leaves them); re-read and re-applied if another writer got
    // there first.
    using config_change = std::function<op_result(topic_config&)>;
    void update_configs(const std::string& name, config_change change, bool validate_only, done_fn done);

    // A dynamic broker default changed (config/dynamic_config_store.h):
    // every topic's settings are resolved again and its logs told, so
    // topics without their own override follow the new default.
    void broker_defaults_changed();

    // Makes the registry match the store for topic `name`: opens what is
    // new, removes what is gone. Errors (a log that cannot be opened) are
    // returned; the topic is then left as it was.
    op_result reconcile(const std::string& name);

private:
    void update_configs_attempt(const std::string& name, config_change change, bool validate_only, int attempts,
                                done_fn done);
    // Out of the registry, its fetches woken and its logs removed.
    void drop(const std::string& name);
    // Opens the logs of partitions [from, to); on failure (KAFKA_STORAGE_ERROR)
    // removes the logs it created and leaves the topic's partitions as before.
    op_result open_partitions(topic_state& topic, int32_t from, int32_t to);

    struct uuid_hash {
        size_t operator()(const protocol::uuid& id) const;
    };

    const broker_config& config_;
    metadata_store& store_;
    log::log_manager& logs_;
    executor ex_;
    metadata_store::subscription watch_;
    std::function<void(const topic_state&)> on_drop_;
    isr_proposal_fn propose_isr_;
    std::map<std::string, std::unique_ptr<topic_state>, std::less<>> topics_;
    // Fetch v13+ names topics by id: found here in O(1), not by a scan of
    // topics_. Holds exactly the topics of topics_ (added and erased with them).
    std::unordered_map<protocol::uuid, topic_state*, uuid_hash> by_id_;
};

// The storage layer's view of a topic's settings (retention and compaction).
log::log_config to_log_config(const topic_settings& t);

}  // namespace sluice::broker

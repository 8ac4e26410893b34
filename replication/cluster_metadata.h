#pragma once
// The cluster's topics and partitions in etcd, mirrored in memory: listed
// once, then kept current by one watch over the cluster's prefix. Every
// broker holds a mirror; any broker may write, and every write is a
// transaction comparing what it read (or that a key is absent), so two
// writers never silently overwrite each other: the loser gets `conflict`,
// re-reads and decides again.
//
// Creating a topic writes its partition keys first (in chunks: etcd caps
// the operations of one transaction) under the new topic id, then the
// topic key — the commit point. Partition keys without a topic key naming
// their id are invisible and cleaned up by whoever left them. Deleting
// removes the topic key and its partition range in one transaction.
//
// Read-your-writes: each write answers with the revision it made; after()
// calls back once the mirror has applied it.
//
// Threading: everything on the executor given; callbacks run there.
#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "protocol/error_code.h"
#include "replication/cluster_keys.h"
#include "replication/etcd/etcd_client.h"
#include "replication/partition_registration.h"
#include "replication/topic_record.h"

namespace sluice::replication {

struct write_result {
    protocol::error_code code = protocol::error_code::none;
    std::string message;
    bool conflict = false;  // someone else changed it first: re-read and retry
    int64_t revision = 0;   // the store's revision after a successful write
    bool ok() const { return code == protocol::error_code::none && !conflict; }
};

class cluster_metadata {
public:
    struct topic_entry {
        topic_record topic;
        int64_t mod_revision = 0;
    };
    struct partition_entry {
        partition_registration state;
        int64_t mod_revision = 0;
    };
    using partitions = std::map<int32_t, partition_entry>;
    // The names of the topics whose record or partitions changed.
    using changed_fn = std::function<void(const std::set<std::string>& topics)>;
    using write_callback = std::function<void(write_result)>;

    cluster_metadata(boost::asio::any_io_executor executor, etcd::client& client, cluster_keys keys,
                     changed_fn on_change);
    ~cluster_metadata();

    // Lists, then watches; `done` once the first listing is in (retrying
    // while etcd is unreachable).
    void start(std::function<void()> done);
    void stop();

    const std::map<std::string, topic_entry>& topics() const { return topics_; }
    const topic_entry* find(const std::string& name) const;
    const topic_entry* find(const protocol::uuid& id) const;
    // The partitions of a topic (by its id); empty if none are known.
    const partitions& partitions_of(const protocol::uuid& id) const;
    int64_t applied_revision() const { return applied_revision_; }
    // Calls `done` once the mirror has applied `revision` (at once if it has).
    void after(int64_t revision, std::function<void()> done);

    // Security records (metadata_store::records), by kind then key.
    const std::map<std::string, std::map<std::string, std::string>>& records() const { return records_; }
    // Called with the kinds whose records the mirror changed.
    void on_records_change(std::function<void(const std::set<std::string>& kinds)> fn) {
        on_records_change_ = std::move(fn);
    }
    // Puts (value) and deletes (nullopt) records of one kind in one transaction.
    void update_records(const std::string& kind, const std::map<std::string, std::optional<std::string>>& changes,
                        write_callback done);

    // The stored cluster id, or `configured` (else a random one) stored now.
    // A stored id other than a configured one is an error (wrong etcd prefix).
    void ensure_cluster_id(std::optional<std::string> configured,
                           std::function<void(etcd::result<std::string>)> done);

    // TOPIC_ALREADY_EXISTS if the name is taken; the record's partition
    // count must match `replicas` (partition -> replica ids).
    void create_topic(topic_record topic, std::map<int32_t, std::vector<int32_t>> replicas, write_callback done);
    void delete_topic(const std::string& name, write_callback done);
    void set_configs(const std::string& name, std::map<std::string, std::string> configs, write_callback done);
    // Adds partitions count.. with these replicas; conflict if the topic
    // changed since it was mirrored.
    void add_partitions(const std::string& name, std::map<int32_t, std::vector<int32_t>> replicas,
                        write_callback done);
    // Replaces one partition's state if unchanged since mirrored and every
    // guard holds (the controller's fence, a leader's own check).
    void update_partition(const protocol::uuid& topic_id, int32_t partition, partition_registration next,
                          std::vector<etcd::compare> guards, write_callback done);

private:
    void list();
    void watch_from(int64_t revision);
    void retry_later();
    void apply(const etcd::key_value& kv, bool removed, std::set<std::string>& changed);
    void apply_record(const etcd::key_value& kv, bool removed);
    void tell_record_changes();
    void applied(int64_t revision);
    void write_partitions(const std::string& topic_id_text, std::vector<etcd::txn_op> puts, size_t from,
                          etcd::compare guard, std::function<void(std::optional<write_result>)> done);
    void topic_txn(etcd::txn_request txn, const std::string& what, write_callback done);

    struct state;
    boost::asio::any_io_executor executor_;
    etcd::client& client_;
    cluster_keys keys_;
    changed_fn on_change_;
    std::unique_ptr<state> state_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    std::map<std::string, topic_entry> topics_;
    std::map<std::string, partitions> partitions_;  // by topic id text
    std::map<std::string, std::string> names_by_id_;
    std::map<std::string, std::map<std::string, std::string>> records_;
    std::set<std::string> changed_record_kinds_;  // since the last tell_record_changes()
    std::function<void(const std::set<std::string>&)> on_records_change_;
    int64_t applied_revision_ = 0;
    std::multimap<int64_t, std::function<void()>> waiting_;
    std::function<void()> start_done_;
    bool stopped_ = false;
};

}  // namespace sluice::replication

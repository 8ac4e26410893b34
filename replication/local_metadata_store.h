#pragma once
// The single-node metadata store: everything in one JSON file,
// <first log dir>/__cluster_metadata.json, rewritten whole on each change.
//
// File format (version 1):
//   {"version":1,"cluster_id":"<22-char base64url>",
//    "topics":[{"name":"t","topic_id":"<22-char base64url>","partitions":3,
//               "replication_factor":1,"configs":{"retention.ms":"1000"}}],
//    "next_producer_id":2000,
//    "records":{"acl":{"<key>":"<value>"}}}
// next_producer_id is where the next block of producer ids starts: every id
// below it may have been handed out. Files written before producer ids were
// kept have no such field, which reads as 0 (none handed out yet); files
// from before records (metadata_store::records) have none either.
//
// Crash story: a change is written to __cluster_metadata.json.tmp, fsynced,
// renamed over the file, and the directory fsynced, so after a crash the file
// holds either the old or the new state, never a mix. A leftover .tmp is the
// remains of an interrupted write and is deleted on open. A file that does
// not parse is refused with an exception at startup — never replaced by an
// empty state, which would silently lose every topic.
//
// The cluster is this broker alone (`self`, given at open): it is the only
// live broker, the controller, and every partition's only replica and leader
// at epochs 0; nothing about partitions is stored, so the file format is
// unchanged.
#include <filesystem>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "replication/metadata_store.h"
#include "replication/topic_watchers.h"

namespace sluice::replication {

// What the file holds.
struct metadata_file_contents {
    std::string cluster_id;
    std::vector<topic_metadata> topics;  // in creation order
    protocol::producer_id next_producer_id{0};
    std::map<std::string, record_map> records;  // by kind
    bool operator==(const metadata_file_contents&) const = default;
};

class local_metadata_store final : public metadata_store {
public:
    static constexpr std::string_view file_name = "__cluster_metadata.json";

    // Loads the file in `dir` (creating `dir` and the file if absent). With no
    // stored cluster id, `configured_cluster_id` (cluster.id) or a random one
    // is stored; a stored id that differs from a configured one is an error.
    // Throws metadata_error.
    static std::unique_ptr<local_metadata_store> open(const std::filesystem::path& dir,
                                                      const std::optional<std::string>& configured_cluster_id,
                                                      broker_node self = {});

    std::string cluster_id() const override;
    std::vector<topic_metadata> list_topics() const override;
    std::optional<topic_metadata> get_topic(std::string_view name) const override;
    std::optional<topic_metadata> get_topic_by_id(const protocol::uuid& id) const override;
    std::vector<broker_node> live_brokers() const override { return {self_}; }
    std::optional<protocol::node_id> controller_id() const override { return self_.id; }
    std::vector<partition_registration> partition_states(std::string_view topic) const override;
    std::optional<partition_registration> partition_state(std::string_view topic, int32_t partition) const override;
    // Mutations write the file before they return and call `done` inline;
    // subscribers of watch() are told afterwards (posted).
    using metadata_store::create_topic;
    void create_topic(topic_metadata topic, replica_assignments assignments, executor ex, created_fn done) override;
    void delete_topic(std::string name, executor ex, done_fn done) override;
    using metadata_store::set_partition_count;
    void set_partition_count(std::string name, int32_t count, replica_assignments assignments, executor ex,
                             done_fn done) override;
    void set_topic_configs(std::string name, topic_configs configs, std::optional<topic_configs> expected,
                           executor ex, done_fn done) override;
    void allocate_producer_ids(executor ex, producer_ids_fn done) override;
    // Nothing changes on a single node: answers from its fixed state.
    void alter_isr(std::string topic, int32_t partition, protocol::node_id from_leader,
                   protocol::leader_epoch leader_epoch, int32_t partition_epoch, std::vector<int32_t> new_isr,
                   executor ex, partition_fn done) override;
    // This broker leads every partition: election_not_needed (or unknown).
    void elect_leader(std::string topic, int32_t partition, election_type type, executor ex,
                      done_fn done) override;
    // Only [self]: nothing to move.
    void alter_reassignment(std::string topic, int32_t partition, std::optional<std::vector<int32_t>> target,
                            executor ex, done_fn done) override;
    record_map records(std::string_view kind) const override;
    void update_records(std::string kind, record_changes changes, executor ex, done_fn done) override;
    subscription watch_records(executor ex, std::function<void(const std::string& kind)> on_change) override;
    subscription watch(executor ex, watch_fn on_change) override;
    subscription watch_cluster(executor ex, std::function<void()> on_change) override;
    void stop(std::function<void()> done) override { done(); }

    const std::filesystem::path& path() const { return path_; }

private:
    using state = metadata_file_contents;

    local_metadata_store(std::filesystem::path path, broker_node self)
        : path_(std::move(path)), self_(std::move(self)) {}
    op_result create_now(topic_metadata& topic, const replica_assignments& assignments);
    partition_registration single_replica() const;
    op_result delete_now(std::string_view name);
    op_result set_partition_count_now(std::string_view name, int32_t count, const replica_assignments& assignments);
    op_result set_topic_configs_now(std::string_view name, const topic_configs& configs,
                                    const std::optional<topic_configs>& expected);
    op_result allocate_producer_ids_now(producer_id_block& block);
    // Tells the watchers of a change to `name` if `result` is ok.
    void changed(const op_result& result, const std::string& name);

    // Writes `next` durably, then makes it current. Caller holds mu_.
    op_result commit(state next);
    topic_metadata* find(state& s, std::string_view name);

    std::filesystem::path path_;
    broker_node self_;
    mutable std::mutex mu_;
    state state_;
    topic_watchers watchers_;
    topic_watchers record_watchers_;  // notified with the kind
};

// The file's bytes and back; exposed for tests and tools.
std::string encode_metadata(const metadata_file_contents& contents);
// Throws metadata_error describing what is wrong.
metadata_file_contents decode_metadata(std::string_view text);

}  // namespace sluice::replication

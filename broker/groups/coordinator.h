#pragma once
// The group coordinator for the classic consumer-group protocol: runs each
// group's rebalance state machine, keeps committed offsets, and writes both
// to `__consumer_offsets` so a restarted broker picks up where it stopped.
//
// Threading: lives on the broker's I/O thread like everything else; JoinGroup
// and SyncGroup answers that must wait for other members are callbacks.
// Timeouts (join deadlines, session expiry, offset retention) are checked by
// one ticker rather than a timer per member.
//
// Which groups: those whose `__consumer_offsets` partition this broker leads.
// A single node leads them all and loads them before it accepts
// connections. In a cluster a partition's groups are loaded when this broker
// becomes its leader (COORDINATOR_LOAD_IN_PROGRESS until then) and dropped
// when it stops leading it (NOT_COORDINATOR from then on). Offset commits
// are acknowledged once the partition's ISR holds them, as Kafka appends
// them with acks=all.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "broker/groups/group.h"
#include "broker/groups/group_conversion.h"
#include "broker/topics/partition_takeover.h"
#include "protocol/ids.h"
#include "protocol/generated/consumer_group_describe.h"
#include "protocol/generated/consumer_group_heartbeat.h"
#include "protocol/generated/delete_groups.h"
#include "protocol/generated/describe_groups.h"
#include "protocol/generated/heartbeat.h"
#include "protocol/generated/leave_group.h"
#include "protocol/generated/list_groups.h"
#include "protocol/generated/offset_commit.h"
#include "protocol/generated/offset_delete.h"
#include "protocol/generated/offset_fetch.h"
#include "protocol/generated/txn_offset_commit.h"

namespace sluice::broker {
class broker;
}

namespace sluice::broker::groups {

struct coordinator_settings {
    int32_t offsets_partitions = 50;
    int32_t min_session_timeout_ms = 6000;
    int32_t max_session_timeout_ms = 1800000;
    int32_t initial_rebalance_delay_ms = 3000;
    int64_t offsets_retention_ms = 7LL * 24 * 3600 * 1000;
    int64_t retention_check_interval_ms = 600000;  // offsets.retention.check.interval.ms
    int32_t max_metadata_bytes = 4096;             // offset.metadata.max.bytes
    int32_t tick_ms = 50;
    // KIP-848 consumer groups (group.consumer.*).
    int32_t consumer_session_timeout_ms = 45000;
    int32_t consumer_heartbeat_interval_ms = 5000;
    int32_t consumer_max_size = 2147483647;
    std::vector<std::string> consumer_assignors{"uniform", "range"};  // the first is the default
    int32_t subscription_check_ms = 500;                              // how often topic changes are looked for
    // group.consumer.migration.policy: converting live groups between the protocols.
    migration_policy consumer_migration_policy = migration_policy::bidirectional;
    int16_t offsets_replication_factor = 3;  // capped to the live brokers when the topic is made
    int32_t commit_timeout_ms = 5000;        // offsets.commit.timeout.ms
    bool cluster = false;                    // partitions are loaded as their leadership arrives
    // GROUP configs: a group's value of `name` (consumer.session.timeout.ms,
    // consumer.heartbeat.interval.ms), or `fallback`. Unset: always fallback.
    std::function<int32_t(const std::string& group, std::string_view name, int32_t fallback)> group_config;
};

class coordinator {
public:
    coordinator(broker& owner, coordinator_settings settings);
    ~coordinator();

    // Rebuilds every group from `__consumer_offsets` (a single node's
    // startup, before serving).
    void load();
    // This broker became the leader of `__consumer_offsets` partition
    // `partition` (its groups are loaded next), or stopped leading it (its
    // groups go, their waiting members answered NOT_COORDINATOR).
    void elected(int32_t partition);
    void resigned(int32_t partition);
    // The broker coordinating `group_id`: none and its id, or why there is none.
    protocol::error_code locate(std::string_view group_id, protocol::node_id& coordinator);
    void start();  // the ticker
    void stop();

    // Creates `__consumer_offsets` on first use, as Kafka does.
    protocol::error_code ensure_offsets_topic();

    void join(const protocol::join_group_request& req, int16_t version, const std::string& client_id,
              const std::string& client_host, join_callback done);
    void sync(const protocol::sync_group_request& req, int16_t version, sync_callback done);
    protocol::error_code heartbeat(const protocol::heartbeat_request& req);
    // One leaving member; `member_id` may be empty for a static member named
    // by `instance_id`.
    protocol::error_code leave(const std::string& group_id, const std::string& member_id,
                               const std::optional<std::string>& instance_id);
    bool group_exists(const std::string& group_id) const;
    // Whether this broker serves `group_id` now: none, NOT_COORDINATOR,
    // COORDINATOR_LOAD_IN_PROGRESS or COORDINATOR_NOT_AVAILABLE.
    protocol::error_code serving(std::string_view group_id);

    // `done` is called once the commit is replicated (or refused).
    using commit_callback = std::function<void(protocol::offset_commit_response)>;
    void commit_offsets(const protocol::offset_commit_request& req, int16_t version, commit_callback done);
    // Offsets of one group; `topics` nullopt = every committed partition.
    using fetch_topics = std::optional<std::vector<std::pair<std::string, std::vector<int32_t>>>>;
    struct fetched_offset {
        std::string topic;
        int32_t partition;
        committed_offset offset;  // offset -1 when nothing is committed
    };
    protocol::error_code fetch_offsets(const std::string& group_id, const fetch_topics& topics,
                                       std::vector<fetched_offset>& out);
    void delete_offsets(const protocol::offset_delete_request& req, protocol::offset_delete_response& out);

    // TxnOffsetCommit (coordinator_txn_offsets.cc): offsets a transactional
    // producer commits for a group, written to `__consumer_offsets` in a
    // transactional batch of that producer and held pending; the
    // transaction's marker applies them (COMMIT) or drops them (ABORT).
    using txn_commit_callback = std::function<void(protocol::txn_offset_commit_response)>;
    void commit_txn_offsets(const protocol::txn_offset_commit_request& req, int16_t version, txn_commit_callback done);
    // A marker ending `producer`'s transaction is in `__consumer_offsets`
    // partition `partition`, and replicated.
    void complete_transaction(int32_t partition, int64_t producer, bool commit);
    // OffsetFetch require_stable: whether a transaction still holds an
    // offset of this group's partition.
    bool has_pending_offsets(const std::string& group_id, const std::string& topic, int32_t partition) const;

    // KIP-848: ConsumerGroupHeartbeat and ConsumerGroupDescribe.
    protocol::consumer_group_heartbeat_response consumer_heartbeat(
        const protocol::consumer_group_heartbeat_request& req, int16_t version, const std::string& client_id,
        const std::string& client_host);
    protocol::consumer_group_describe_response::described_group describe_consumer(const std::string& group_id);

    protocol::describe_groups_response::described_group describe(const std::string& group_id);
    // Groups by state and type ("classic", "consumer"); empty filters take all.
    std::vector<protocol::list_groups_response::listed_group> list(const std::vector<std::string>& states,
                                                                   const std::vector<std::string>& types) const;
    // OffsetFetch v9 names the member asking: Kafka checks it against a
    // consumer-protocol group (UNKNOWN_MEMBER_ID, STALE_MEMBER_EPOCH).
    protocol::error_code check_offset_fetch_member(const std::string& group_id,
                                                   const std::optional<std::string>& member_id, int32_t member_epoch);
    protocol::error_code delete_group(const std::string& group_id);

    // Settles timeouts up to `now_ms`; the ticker calls it (tests may too).
    void tick(int64_t now_ms);

private:
    group* find(const std::string& id);
    void join_new_member(group& g, const protocol::join_group_request& req, int16_t version,
                         const std::string& client_id, const std::string& client_host, join_callback done);
    void join_existing_member(group& g, member& m, const protocol::join_group_request& req, join_callback done);
    void rejoin_static_member(group& g, member& m, const protocol::join_group_request& req, int16_t version,
                              join_callback done);
    // A request naming a static instance now owned by another member id.
    static bool fenced(group& g, const std::string& member_id, const std::optional<std::string>& instance_id);
    void prepare_rebalance(group& g, int64_t now_ms);
    void maybe_complete_join(group& g);
    void complete_join(group& g);
    void complete_sync(group& g);
    // Removes the members whose session ran out by `now`. The ticker calls
    // it; so do requests that depend on who is left (DeleteGroups), so that
    // a session that ended between two ticks counts as ended, as it does
    // under Kafka's per-member timers.
    void expire_sessions(group& g, int64_t now);
    void remove_member(group& g, std::string member_id);
    // Whether this OffsetCommit may commit (membership, generation); finds
    // or creates the group.
    protocol::error_code admit_commit(const protocol::offset_commit_request& req, int16_t version, group*& g);
    protocol::error_code admit_txn_commit(const protocol::txn_offset_commit_request& req, int16_t version,
                                          group*& g);
    // The per-partition rules of OffsetCommit and TxnOffsetCommit after the
    // group's own (`refused`): none when the offset may be committed.
    protocol::error_code commit_refusal(protocol::error_code refused, const std::string& topic, int32_t partition,
                                        const std::string& metadata);
    // Offset commits left pending by a load: transactions still open.
    void adopt_pending(pending_txn_records pending);
    void drop_pending(int32_t partition);
    void expire_offsets(group& g, int64_t now_ms);
    protocol::join_group_response join_response(const group& g, const member& m) const;

    // KIP-848 groups (consumer_coordinator.cc). Each appends the records it
    // changes to `records`.
    void admit_consumer_member(consumer_group& cg, consumer_member& m,
                               const protocol::consumer_group_heartbeat_request& req, const std::string& client_id,
                               const std::string& client_host, bool joining, std::vector<keyed_value>& records,
                               bool& bump);
    // Re-reads the subscribed topics (names, regexes, partition counts);
    // true when they changed.
    bool refresh_subscriptions(consumer_group& cg, std::vector<keyed_value>& records);
    void bump_and_assign(consumer_group& cg, std::vector<keyed_value>& records);
    void fence_consumer_member(consumer_group& cg, const std::string& member_id, std::vector<keyed_value>& records);
    void tick_consumer_groups(int64_t now_ms);
    void restore_consumer_group(group& g, consumer_group_image image, int64_t now_ms);
    std::vector<keyed_value> consumer_group_tombstones(const consumer_group& cg) const;
    protocol::error_code validate_consumer_commit(group& g, const std::string& member_id, int32_t member_epoch,
                                                  int16_t version);

    // Online migration (group_migration.cc): a live classic group becomes
    // a consumer group for a ConsumerGroupHeartbeat when the policy allows
    // and its members' embedded protocol reads (false: it stays classic);
    // a consumer group whose last consumer-protocol member goes becomes a
    // classic group again (true: it did, and `member_id` is gone with it).
    bool upgrade_to_consumer(group& g);
    bool maybe_downgrade(group& g, const std::string& member_id);
    // A static classic member just replaced another and no member is left
    // on the consumer protocol: classic again, with no rebalance (the
    // newcomer holds what the old incarnation held).
    bool downgrade_after_replacement(group& g);
    bool downgrade(group& g, const std::string& leaving, bool rebalance);
    topic_lookup topic_names();

    // Classic-protocol members of a consumer group (classic_in_consumer.cc).
    void join_consumer_group(group& g, const protocol::join_group_request& req, int16_t version,
                             const std::string& client_id, const std::string& client_host, join_callback done);
    void sync_consumer_group(group& g, const protocol::sync_group_request& req, sync_callback done);
    protocol::error_code heartbeat_consumer_group(group& g, const protocol::heartbeat_request& req);
    protocol::error_code leave_consumer_group(group& g, const std::string& member_id,
                                              const std::optional<std::string>& instance_id);
    // The classic member a request names (by instance id when given):
    // UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID, or none and the member.
    protocol::error_code classic_member_of(consumer_group& cg, const std::string& member_id,
                                           const std::optional<std::string>& instance_id, consumer_member*& out);

    int32_t offsets_partition_of(std::string_view group_id) const;
    void take_over(int32_t partition, const partition_state& p);
    void adopt(loaded_groups loaded, int64_t now_ms);

    // __consumer_offsets writes; none on success. `end`, when given, is the
    // log end after the append: what must be committed for the records to
    // be safe.
    protocol::error_code persist(const std::string& group_id, const std::vector<keyed_value>& records,
                                 int64_t* end = nullptr);
    protocol::error_code persist_group(group& g);
    // Writes the group's metadata record and calls `done` once the ISR
    // holds it (none) or with the coordinator error a failure answers:
    // NOT_COORDINATOR when leadership moved, else COORDINATOR_NOT_AVAILABLE.
    void store_group(group& g, std::function<void(protocol::error_code)> done);

    struct rebalance_timing {
        int64_t deadline_ms = 0;
        int64_t started_ms = 0;
        bool initial_delay = false;
    };

    broker& broker_;
    coordinator_settings settings_;
    std::map<std::string, std::unique_ptr<group>, std::less<>> groups_;
    std::map<std::string, rebalance_timing> rebalances_;
    std::map<std::pair<std::string, std::string>, int64_t> pending_deadlines_;  // (group, member) -> ms
    // Transactional offsets awaiting their marker: producer -> group -> partition -> offset.
    using partition_offsets = std::map<std::pair<std::string, int32_t>, committed_offset>;
    std::map<int64_t, std::map<std::string, partition_offsets, std::less<>>> pending_txn_offsets_;
    // Cluster mode: the partitions whose groups are loaded, and those being taken over.
    std::set<int32_t> loaded_;
    partition_takeover takeover_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    int64_t last_retention_check_ms_ = 0;
    int64_t last_subscription_check_ms_ = 0;
    struct ticker;
    std::unique_ptr<ticker> ticker_;
};

}  // namespace sluice::broker::groups

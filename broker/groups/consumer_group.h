#pragma once
// One group of KIP-848's consumer protocol (ConsumerGroupHeartbeat): the
// group epoch, the target assignment a server-side assignor computed at an
// assignment epoch, and each member's reconciliation from what it owns
// towards its target. Pure data and rules, no clock or I/O; the coordinator
// drives it and writes its records.
//
// Epochs: every change of membership or subscription bumps the group epoch;
// a new target assignment is computed for the new group epoch (the
// assignment epoch catches up). A member moves to the assignment epoch
// only once it owns nothing that another member's target holds: it first
// revokes (state unrevoked_partitions, epoch unchanged), then is given the
// partitions that are free (unreleased_partitions while some are still
// held by others, stable once it has its whole target).
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "protocol/wire.h"

namespace sluice::broker::groups {

// Partitions by topic id.
using partition_set = std::map<protocol::uuid, std::set<int32_t>>;

// Kafka's MemberState codes, as stored in the current-assignment record.
enum class member_state : int8_t { unknown = 0, stable = 1, unrevoked_partitions = 2, unreleased_partitions = 3 };

inline constexpr int32_t leave_group_epoch = -1;

// What a member that speaks the classic protocol (JoinGroup, SyncGroup,
// Heartbeat) inside a consumer group keeps of it: KIP-848's online
// migration. Persisted in its member-metadata record.
struct classic_protocol_member {
    int32_t session_timeout_ms = 0;
    std::vector<std::pair<std::string, protocol::bytes>> protocols;  // JoinGroup order
    bool operator==(const classic_protocol_member&) const = default;
};
inline constexpr int32_t leave_static_group_epoch = -2;

struct consumer_member {
    std::string id;
    std::optional<std::string> instance_id;
    std::optional<std::string> rack_id;
    std::string client_id;
    std::string client_host;
    std::vector<std::string> subscribed_topic_names;  // sorted, no duplicates
    std::optional<std::string> subscribed_topic_regex;
    std::optional<std::string> server_assignor;
    int32_t rebalance_timeout_ms = -1;

    int32_t member_epoch = 0;
    int32_t previous_member_epoch = 0;
    member_state state = member_state::stable;
    partition_set assigned;
    partition_set pending_revocation;
    std::optional<classic_protocol_member> classic;  // set: a classic-protocol member

    // Not persisted: deadlines the coordinator's ticker checks.
    int64_t session_deadline_ms = 0;
    int64_t revocation_deadline_ms = 0;  // 0: nothing to revoke
    // Classic members only (0: none): a rejoin asked for with
    // REBALANCE_IN_PROGRESS, and the SyncGroup that follows a JoinGroup,
    // each due within the member's rebalance timeout.
    int64_t join_deadline_ms = 0;
    int64_t sync_deadline_ms = 0;
};

// A subscribed topic as the group last saw it (a change bumps the epoch).
struct subscribed_topic {
    protocol::uuid id;
    int32_t partitions = 0;
    bool operator==(const subscribed_topic&) const = default;
};

class consumer_group {
public:
    explicit consumer_group(std::string id) : id_(std::move(id)) {}

    const std::string& id() const { return id_; }
    int32_t group_epoch() const { return group_epoch_; }
    void set_group_epoch(int32_t e) { group_epoch_ = e; }
    int32_t assignment_epoch() const { return assignment_epoch_; }
    void set_assignment_epoch(int32_t e) { assignment_epoch_ = e; }

    std::map<std::string, std::unique_ptr<consumer_member>>& members() { return members_; }
    const std::map<std::string, std::unique_ptr<consumer_member>>& members() const { return members_; }
    consumer_member* find(const std::string& member_id);
    consumer_member* find_static(const std::string& instance_id);
    consumer_member& add(std::unique_ptr<consumer_member> m);
    // Removes a member and releases every partition it held.
    void remove(const std::string& member_id);
    bool empty() const { return members_.empty(); }

    // Target assignment per member id, at assignment_epoch().
    std::map<std::string, partition_set>& target() { return target_; }
    const std::map<std::string, partition_set>& target() const { return target_; }
    const partition_set& target_of(const std::string& member_id) const;

    // Topics the members subscribe to, by name, with what they looked like
    // when the group epoch was last bumped.
    std::map<std::string, subscribed_topic>& subscribed_topics() { return subscribed_; }
    const std::map<std::string, subscribed_topic>& subscribed_topics() const { return subscribed_; }

    // Moves `m` towards its target (KIP-848's reconciliation). `owned` is
    // what the member said it owns (nullopt: it did not say). True when the
    // member's epoch, state or partitions changed.
    bool reconcile(consumer_member& m, const std::optional<partition_set>& owned);

    // Sets what a member holds, keeping the partition owners current.
    void set_member_assignment(consumer_member& m, partition_set assigned, partition_set pending_revocation);

    // The epoch of the member holding a partition (assigned or pending
    // revocation), or -1 when the partition is free.
    int32_t partition_epoch(const protocol::uuid& topic, int32_t partition) const;

    // The server assignor most members asked for, else nullopt.
    std::optional<std::string> preferred_assignor() const;

    // Classic-protocol members (online migration). Whether every member but
    // `except` uses the classic protocol; whether a classic JoinGroup with
    // these protocol names fits (each classic member supports one of them);
    // whether `m` waits for a partition of its target another member holds.
    bool all_classic_except(const std::string& except) const;
    bool supports_classic_protocols(const std::string& protocol_type, const std::vector<std::string>& names) const;
    bool waiting_on_unreleased(const consumer_member& m) const;

    // Kafka's ConsumerGroupState names: Empty, Assigning, Reconciling, Stable.
    std::string state_name() const;

private:
    void release(const partition_set& partitions);
    void hold(const partition_set& partitions, int32_t epoch);

    std::string id_;
    int32_t group_epoch_ = 0;
    int32_t assignment_epoch_ = 0;
    std::map<std::string, std::unique_ptr<consumer_member>> members_;
    std::map<std::string, partition_set> target_;
    std::map<std::string, subscribed_topic> subscribed_;
    std::map<std::pair<protocol::uuid, int32_t>, int32_t> owners_;
};

// What a consumer group's records in __consumer_offsets add up to.
struct consumer_group_image {
    std::optional<int32_t> group_epoch;  // nullopt: no group (or a deleted one)
    int32_t assignment_epoch = 0;
    std::map<std::string, subscribed_topic> subscribed;
    std::map<std::string, consumer_member> members;  // with metadata and current assignment
    std::map<std::string, partition_set> target;
};

// Whether every partition of `part` is in `whole`.
bool is_subset(const partition_set& part, const partition_set& whole);

}  // namespace sluice::broker::groups

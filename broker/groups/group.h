#pragma once
// One consumer group of the classic protocol: its members, generation,
// chosen protocol, state and committed offsets. Pure data and the rules
// that need no clock or I/O; the coordinator drives the state machine.
//
//   Empty ──join──▶ PreparingRebalance ──all joined / timeout──▶ CompletingRebalance
//     ▲                    ▲                                          │ leader's SyncGroup
//     │                    └────── join, leave, expiry ───────────────┤
//     └──── last member gone ◀──────────────────────────────────── Stable
//   Dead: deleted (DeleteGroups, or expired with no offsets left).
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "broker/groups/consumer_group.h"
#include "broker/groups/offsets_topic.h"
#include "protocol/error_code.h"
#include "protocol/generated/join_group.h"
#include "protocol/generated/sync_group.h"

namespace boost::asio {
class io_context;
}

namespace sluice::broker::groups {

enum class group_state { empty, preparing_rebalance, completing_rebalance, stable, dead };
const char* state_name(group_state s);  // Kafka's names: "Empty", "Stable", ...

using join_callback = std::function<void(protocol::join_group_response)>;
using sync_callback = std::function<void(protocol::sync_group_response)>;

struct protocol_choice {
    std::string name;
    protocol::bytes metadata;
};

struct member {
    std::string id;
    std::optional<std::string> instance_id;  // static membership (KIP-345)
    std::string client_id;
    std::string client_host;
    int32_t session_timeout_ms = 0;
    int32_t rebalance_timeout_ms = 0;
    std::string protocol_type;
    std::vector<protocol_choice> protocols;  // in the member's order of preference
    protocol::bytes assignment;
    join_callback awaiting_join;  // set while a JoinGroup waits for the rebalance
    sync_callback awaiting_sync;  // set while a SyncGroup waits for the leader
    int64_t heartbeat_deadline_ms = 0;
    bool is_new = false;  // joined during this rebalance (it waits longer)

    const protocol::bytes* metadata_for(const std::string& protocol) const;
    bool same_protocols(const std::vector<protocol_choice>& other) const;
};

class group {
public:
    explicit group(std::string id) : id_(std::move(id)) {}

    const std::string& id() const { return id_; }
    group_state state() const { return state_; }
    void set_state(group_state s, int64_t now_ms);
    int64_t state_timestamp() const { return state_timestamp_; }

    int32_t generation() const { return generation_; }
    void next_generation() { ++generation_; }
    void set_generation(int32_t g) { generation_ = g; }
    const std::string& protocol_type() const { return protocol_type_; }
    const std::optional<std::string>& protocol_name() const { return protocol_name_; }
    const std::optional<std::string>& leader() const { return leader_; }

    // Members, keyed by member id (join order is kept apart, for leader choice).
    std::map<std::string, std::unique_ptr<member>>& members() { return members_; }
    const std::map<std::string, std::unique_ptr<member>>& members() const { return members_; }
    member* find(const std::string& member_id);
    member* find_static(const std::string& instance_id);
    bool empty() const { return members_.empty(); }
    member& add(std::unique_ptr<member> m);
    void remove(std::string member_id);  // by value: callers often pass the member's own id
    // A static member rejoining under a new member id keeps its place.
    void replace_static(member& m, const std::string& new_member_id);

    // Member ids handed out with MEMBER_ID_REQUIRED and not yet used.
    std::set<std::string>& pending() { return pending_; }

    // Whether a new member's protocols fit the group's (same type, at least
    // one protocol every member supports).
    bool supports(const std::string& protocol_type, const std::vector<protocol_choice>& protocols) const;
    // Every member waits in JoinGroup and no KIP-394 member id is outstanding.
    bool all_joined() const;
    int32_t max_rebalance_timeout_ms() const;
    // The protocol every member supports with the most first votes (ties go
    // to the first member's order); nullopt when there is none.
    std::optional<std::string> choose_protocol() const;
    // Adopts choose_protocol() and a leader (the old one if still here).
    void select_protocol_and_leader();

    // Committed offsets by (topic, partition).
    std::map<std::pair<std::string, int32_t>, committed_offset>& offsets() { return offsets_; }
    // Topics the members subscribe to, from their consumer-protocol
    // metadata; nullopt when some member's metadata cannot be read (then
    // every topic counts as subscribed, as in Kafka).
    std::optional<std::set<std::string>> subscribed_topics() const;

    group_record to_record(int64_t now_ms) const;
    void restore(const group_record& record, int64_t now_ms);

    // A group of KIP-848's consumer protocol keeps its membership here
    // (its committed offsets stay above); nullptr for a classic group. An
    // empty group converts either way when the other protocol joins it.
    consumer_group* consumer() { return consumer_.get(); }
    const consumer_group* consumer() const { return consumer_.get(); }
    consumer_group& make_consumer();
    void make_classic() { consumer_.reset(); }
    // Forgets the classic members, protocol and leader: the group's
    // members move into its consumer group (an online upgrade).
    void clear_members();

private:
    std::string id_;
    group_state state_ = group_state::empty;
    int64_t state_timestamp_ = 0;
    int32_t generation_ = 0;
    std::string protocol_type_;
    std::optional<std::string> protocol_name_;
    std::optional<std::string> leader_;
    std::map<std::string, std::unique_ptr<member>> members_;
    std::vector<std::string> join_order_;
    std::set<std::string> pending_;
    std::map<std::pair<std::string, int32_t>, committed_offset> offsets_;
    std::unique_ptr<consumer_group> consumer_;
};

}  // namespace sluice::broker::groups

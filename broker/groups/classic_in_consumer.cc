// Members of a consumer group that speak the classic protocol (JoinGroup,
// SyncGroup, Heartbeat, LeaveGroup), as Kafka serves them while a group
// migrates between the protocols. Such a member is a consumer-group member
// like any other: its JoinGroup subscription becomes its subscribed topics,
// the server-side assignor computes its target, and it reconciles towards
// it. What differs is how it learns: the JoinGroup answer carries its
// member epoch as the generation (with no leader work to do), SyncGroup its
// assigned partitions in the ConsumerProtocolAssignment format, and a
// Heartbeat answers REBALANCE_IN_PROGRESS when it must rejoin to revoke or
// to collect more. It must rejoin, and sync after joining, within its
// rebalance timeout, and heartbeat within its JoinGroup session timeout.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "broker/broker.h"
#include "broker/groups/consumer_group_records.h"
#include "broker/groups/coordinator.h"
#include "broker/groups/member_replies.h"

namespace sluice::broker::groups {

using protocol::error_code;
using protocol::to_wire;

error_code coordinator::classic_member_of(consumer_group& cg, const std::string& member_id,
                                          const std::optional<std::string>& instance_id, consumer_member*& out) {
    out = nullptr;
    if (instance_id) {
        consumer_member* holder = cg.find_static(*instance_id);
        if (holder == nullptr) return error_code::unknown_member_id;
        if (holder->id != member_id) return error_code::fenced_instance_id;
        out = holder;
    } else {
        out = cg.find(member_id);
        if (out == nullptr) return error_code::unknown_member_id;
    }
    // A member on the consumer protocol cannot use the classic calls.
    if (!out->classic) return error_code::unknown_member_id;
    return error_code::none;
}

// ---- JoinGroup ----

void coordinator::join_consumer_group(group& g, const protocol::join_group_request& req, int16_t version,
                                      const std::string& client_id, const std::string& client_host,
                                      join_callback done) {
    consumer_group& cg = *g.consumer();
    const bool unknown = req.member_id.empty();
    const std::string member_id = unknown ? random_member_id() : req.member_id;

    if (cg.find(member_id) == nullptr && static_cast<int64_t>(cg.members().size()) >= settings_.consumer_max_size) {
        return done(join_error(error_code::group_max_size_reached, member_id));
    }
    std::vector<std::string> names;
    for (const auto& p : req.protocols)
        names.push_back(p.name);
    if (!cg.supports_classic_protocols(req.protocol_type, names)) {
        return done(join_error(error_code::inconsistent_group_protocol, member_id));
    }
    // KIP-394, as for a classic group, but nothing is kept: the second
    // JoinGroup with this id simply creates the member.
    if (unknown && !req.group_instance_id && version >= 4) {
        return done(join_error(error_code::member_id_required, member_id));
    }
    // Every protocol carries the same subscription: Kafka reads the first.
    auto subscription = decode_subscription(req.protocols.front().metadata);
    if (!subscription) {
        // Kafka fails the request on an IllegalStateException.
        spdlog::info("group {}: malformed embedded consumer protocol in a JoinGroup subscription", g.id());
        return done(join_error(error_code::unknown_server_error, member_id));
    }

    const int64_t now = now_ms();
    std::vector<keyed_value> records;
    bool bump = false;
    consumer_member* m = nullptr;
    bool replaced = false;
    if (req.group_instance_id) {
        consumer_member* holder = cg.find_static(*req.group_instance_id);
        if (!unknown) {
            if (holder == nullptr) return done(join_error(error_code::unknown_member_id, member_id));
            if (holder->id != member_id) return done(join_error(error_code::fenced_instance_id, member_id));
            m = holder;
        } else if (holder != nullptr) {
            // A static member back under a new id takes over the old one's
            // assignment; the old incarnation is fenced.
            auto replacement = std::make_unique<consumer_member>(*holder);
            replacement->id = member_id;
            replacement->member_epoch = 0;
            replacement->previous_member_epoch = 0;
            partition_set target = cg.target_of(holder->id);
            std::string old_id = holder->id;
            records.push_back(current_assignment_record(cg.id(), old_id, nullptr));
            records.push_back(target_member_record(cg.id(), old_id, nullptr));
            records.push_back(member_metadata_record(cg.id(), old_id, nullptr));
            cg.remove(old_id);
            m = &cg.add(std::move(replacement));
            cg.target()[member_id] = target;
            records.push_back(target_member_record(cg.id(), member_id, &cg.target()[member_id]));
            replaced = true;
        }
    } else {
        m = cg.find(member_id);
    }
    bool created = m == nullptr;
    if (created) {
        auto fresh = std::make_unique<consumer_member>();
        fresh->id = member_id;
        m = &cg.add(std::move(fresh));
        bump = true;
        spdlog::info("group {}: member {} joins the consumer group using the classic protocol", g.id(), member_id);
    }

    consumer_member before = *m;
    if (req.group_instance_id) m->instance_id = req.group_instance_id;
    if (subscription->rack_id) m->rack_id = subscription->rack_id;
    m->rebalance_timeout_ms = req.rebalance_timeout_ms > 0 ? req.rebalance_timeout_ms : req.session_timeout_ms;
    m->server_assignor.reset();
    std::vector<std::string> topics = subscription->topics;
    std::sort(topics.begin(), topics.end());
    topics.erase(std::unique(topics.begin(), topics.end()), topics.end());
    m->subscribed_topic_names = std::move(topics);
    m->client_id = client_id;
    m->client_host = client_host;
    classic_protocol_member classic;
    classic.session_timeout_ms = req.session_timeout_ms;
    for (const auto& p : req.protocols)
        classic.protocols.emplace_back(p.name, p.metadata);
    m->classic = std::move(classic);
    if (m->subscribed_topic_names != before.subscribed_topic_names || m->server_assignor != before.server_assignor) {
        bump = true;
    }
    if (created || bump || m->instance_id != before.instance_id || m->rack_id != before.rack_id ||
        m->rebalance_timeout_ms != before.rebalance_timeout_ms || m->client_id != before.client_id ||
        m->client_host != before.client_host || m->classic != before.classic) {
        records.push_back(member_metadata_record(cg.id(), m->id, m));
    }
    if (refresh_subscriptions(cg, records)) bump = true;
    if (bump) bump_and_assign(cg, records);

    // What it says it still owns: nothing after an eager rebalance's revoke,
    // its partitions for a cooperative client.
    partition_set owned = to_partition_set(subscription->owned_partitions, topic_names());
    if (cg.reconcile(*m, owned) || created) records.push_back(current_assignment_record(cg.id(), m->id, m));

    if (persist(g.id(), records) != error_code::none) {
        return done(join_error(error_code::coordinator_not_available, member_id));
    }
    m->session_deadline_ms = now + req.session_timeout_ms;
    m->join_deadline_ms = 0;
    m->sync_deadline_ms = now + std::max(m->rebalance_timeout_ms, 0);
    m->revocation_deadline_ms = 0;

    protocol::join_group_response r;
    r.member_id = m->id;
    r.generation_id = m->member_epoch;
    r.protocol_type = "consumer";
    r.protocol_name = m->classic->protocols.front().first;
    // No leader: the coordinator assigns, every classic member follows.
    // The same answer when the replacement made the group classic again.
    if (replaced) downgrade_after_replacement(g);
    done(r);
}

// ---- SyncGroup ----

void coordinator::sync_consumer_group(group& g, const protocol::sync_group_request& req, sync_callback done) {
    consumer_group& cg = *g.consumer();
    consumer_member* m = nullptr;
    if (error_code e = classic_member_of(cg, req.member_id, req.group_instance_id, m); e != error_code::none) {
        return done(sync_error(e));
    }
    if (req.generation_id != m->member_epoch) return done(sync_error(error_code::illegal_generation));
    if ((req.protocol_type && *req.protocol_type != "consumer") ||
        (req.protocol_name && *req.protocol_name != m->classic->protocols.front().first)) {
        return done(sync_error(error_code::inconsistent_group_protocol));
    }
    const int64_t now = now_ms();
    // A newer epoch exists: the member rejoins first, unless it already did
    // and is only revoking.
    if (cg.group_epoch() > m->member_epoch && m->state != member_state::unrevoked_partitions) {
        if (m->join_deadline_ms == 0) m->join_deadline_ms = now + std::max(m->rebalance_timeout_ms, 0);
        return done(sync_error(error_code::rebalance_in_progress));
    }
    m->sync_deadline_ms = 0;
    m->session_deadline_ms = now + m->classic->session_timeout_ms;
    protocol::sync_group_response r;
    r.protocol_type = req.protocol_type;
    r.protocol_name = req.protocol_name;
    int16_t version = embedded_version(m->classic->protocols.front().second).value_or(0);
    r.assignment = encode_assignment(m->assigned, topic_names(), version);
    done(r);
}

// ---- Heartbeat ----

error_code coordinator::heartbeat_consumer_group(group& g, const protocol::heartbeat_request& req) {
    consumer_group& cg = *g.consumer();
    consumer_member* m = nullptr;
    if (error_code e = classic_member_of(cg, req.member_id, req.group_instance_id, m); e != error_code::none) return e;
    if (req.generation_id != m->member_epoch) return error_code::illegal_generation;
    const int64_t now = now_ms();
    m->session_deadline_ms = now + m->classic->session_timeout_ms;
    // Rejoin when the group moved on, when something must be revoked, or
    // when the partitions it waited for are free now.
    bool rejoin = m->member_epoch < cg.group_epoch() || m->state == member_state::unrevoked_partitions ||
                  (m->state == member_state::unreleased_partitions && !cg.waiting_on_unreleased(*m));
    if (!rejoin) return error_code::none;
    if (m->join_deadline_ms == 0) m->join_deadline_ms = now + std::max(m->rebalance_timeout_ms, 0);
    return error_code::rebalance_in_progress;
}

// ---- LeaveGroup ----

error_code coordinator::leave_consumer_group(group& g, const std::string& member_id,
                                             const std::optional<std::string>& instance_id) {
    consumer_group& cg = *g.consumer();
    consumer_member* m = nullptr;
    if (instance_id) {
        m = cg.find_static(*instance_id);
        if (m == nullptr) return error_code::unknown_member_id;
        // An administrator may remove a static member by instance id alone.
        if (!member_id.empty() && m->id != member_id) return error_code::fenced_instance_id;
    } else {
        m = cg.find(member_id);
        if (m == nullptr) return error_code::unknown_member_id;
    }
    if (!m->classic) return error_code::unknown_member_id;
    const std::string id = m->id;  // a copy: removing the member frees its own
    spdlog::info("group {}: classic member {} left the consumer group", g.id(), id);
    std::vector<keyed_value> records;
    fence_consumer_member(cg, id, records);
    return persist(g.id(), records) == error_code::none ? error_code::none : error_code::coordinator_not_available;
}

}  // namespace sluice::broker::groups

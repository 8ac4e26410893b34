// Committed offsets, group listing and deletion, and the coordinator's use
// of `__consumer_offsets`: writing records, loading them at startup, and
// expiring offsets of empty groups (offsets.retention.minutes).
#include <spdlog/spdlog.h>
#include <strings.h>

#include "broker/broker.h"
#include "broker/groups/coordinator.h"
#include "broker/topics/commit_wait.h"
#include "broker/topics/partition_leader.h"
#include "broker/topics/topic_registry.h"
#include "log/partition_log.h"

namespace sluice::broker::groups {

using protocol::error_code;
using protocol::to_wire;

namespace {

std::set<std::string> consumer_subscribed(const consumer_group& cg) {
    std::set<std::string> out;
    for (const auto& [name, t] : cg.subscribed_topics())
        out.insert(name);
    return out;
}

}  // namespace

// ---- __consumer_offsets ----

error_code coordinator::persist(const std::string& group_id, const std::vector<keyed_value>& records, int64_t* end) {
    if (end != nullptr) *end = -1;
    if (records.empty()) return error_code::none;
    if (error_code e = ensure_offsets_topic(); e != error_code::none) return e;
    topic_state* topic = broker_.topics().find(offsets_topic_name);
    int32_t partition = offsets_partition_of(group_id);
    partition_state& p = *topic->partitions[static_cast<size_t>(partition)];
    const replication::leader_state* leader = p.replica.leader();
    if (leader == nullptr) return error_code::not_coordinator;
    // As a produce with acks=all: too small an ISR is refused before the
    // append (Kafka answers the coordinator's NOT_ENOUGH_REPLICAS so).
    if (static_cast<int32_t>(leader->isr().size()) < topic->settings.min_insync_replicas) {
        return error_code::coordinator_not_available;
    }
    int64_t now = now_ms();
    protocol::bytes batch = build_offsets_batch(records, now);
    log::append_result appended = p.log->append(std::span<uint8_t>(batch), p.replica.epoch().value(), now);
    if (appended.error != error_code::none) {
        spdlog::error("writing group {} to {}-{} failed: {}", group_id, offsets_topic_name, partition,
                      protocol::error_name(appended.error));
        return error_code::coordinator_not_available;
    }
    on_leader_append(p);
    broker_.flush_if_due(std::string(offsets_topic_name), partition);
    if (end != nullptr) *end = p.log->log_end_offset();
    return error_code::none;
}

error_code coordinator::persist_group(group& g) {
    std::vector<keyed_value> records;
    records.push_back({group_metadata_key(g.id()), group_metadata_value(g.to_record(now_ms()))});
    return persist(g.id(), records);
}

void coordinator::store_group(group& g, std::function<void(error_code)> done) {
    int64_t end = -1;
    std::vector<keyed_value> records;
    records.push_back({group_metadata_key(g.id()), group_metadata_value(g.to_record(now_ms()))});
    if (error_code e = persist(g.id(), records, &end); e != error_code::none) return done(e);
    const topic_state* topic = broker_.topics().find(offsets_topic_name);
    const partition_state& p = *topic->partitions[static_cast<size_t>(offsets_partition_of(g.id()))];
    await_commit(broker_, ref_of(std::string(offsets_topic_name), p), end, settings_.commit_timeout_ms,
                 [alive = std::weak_ptr<bool>(alive_), done = std::move(done)](commit_outcome outcome) {
                     if (alive.expired()) return;
                     if (outcome == commit_outcome::committed) return done(error_code::none);
                     done(outcome == commit_outcome::not_leader ? error_code::not_coordinator
                                                                : error_code::coordinator_not_available);
                 });
}

// ---- OffsetCommit ----

error_code coordinator::commit_refusal(error_code refused, const std::string& topic, int32_t partition,
                                       const std::string& metadata) {
    if (refused != error_code::none) return refused;
    if (broker_.topics().find(topic, partition) == nullptr) return error_code::unknown_topic_or_partition;
    if (static_cast<int32_t>(metadata.size()) > settings_.max_metadata_bytes) {
        return error_code::offset_metadata_too_large;
    }
    return error_code::none;
}

error_code coordinator::admit_commit(const protocol::offset_commit_request& req, int16_t version, group*& g) {
    if (req.group_id.empty()) return error_code::invalid_group_id;
    if (ensure_offsets_topic() != error_code::none) return error_code::coordinator_not_available;
    if (error_code e = serving(req.group_id); e != error_code::none) return e;
    int32_t generation = version >= 1 ? req.generation_id_or_member_epoch : -1;
    // A commit without a generation only stores offsets (admin tools,
    // assign() users, whatever member id they send): Kafka takes it when
    // the group is empty or absent. Anything else must be a current member.
    bool simple = generation < 0;
    g = find(req.group_id);
    if (g != nullptr && g->consumer() != nullptr) {
        return validate_consumer_commit(*g, req.member_id, generation, version);
    }
    if (g == nullptr) {
        if (!simple) return error_code::illegal_generation;
        g = groups_.emplace(req.group_id, std::make_unique<group>(req.group_id)).first->second.get();
        g->set_state(group_state::empty, now_ms());
        return error_code::none;
    }
    if (g->state() == group_state::dead) return error_code::coordinator_not_available;
    if (simple && g->state() == group_state::empty) return error_code::none;
    if (fenced(*g, req.member_id, req.group_instance_id)) return error_code::fenced_instance_id;
    if (g->state() == group_state::completing_rebalance) return error_code::rebalance_in_progress;
    member* m = g->find(req.member_id);
    if (m == nullptr) return error_code::unknown_member_id;
    if (generation != g->generation()) return error_code::illegal_generation;
    m->heartbeat_deadline_ms = now_ms() + m->session_timeout_ms;
    return error_code::none;
}

void coordinator::commit_offsets(const protocol::offset_commit_request& req, int16_t version, commit_callback done) {
    protocol::offset_commit_response out;
    group* g = nullptr;
    error_code refused = admit_commit(req, version, g);
    int64_t now = now_ms();
    std::vector<keyed_value> records;
    std::vector<std::pair<std::pair<std::string, int32_t>, committed_offset>> accepted;
    for (const auto& t : req.topics) {
        protocol::offset_commit_response::offset_commit_response_topic topic_out;
        topic_out.name = t.name;
        for (const auto& p : t.partitions) {
            protocol::offset_commit_response::offset_commit_response_partition part;
            part.partition_index = p.partition_index;
            const std::string metadata = p.committed_metadata.value_or("");
            part.error_code = to_wire(commit_refusal(refused, t.name, p.partition_index, metadata));
            if (part.error_code == 0) {
                committed_offset c;
                c.offset = p.committed_offset;
                c.leader_epoch = version >= 6 ? p.committed_leader_epoch : -1;
                c.metadata = metadata;
                c.commit_timestamp = version == 1 && p.commit_timestamp >= 0 ? p.commit_timestamp : now;
                records.push_back({offset_commit_key(req.group_id, t.name, p.partition_index), offset_commit_value(c)});
                accepted.push_back({{t.name, p.partition_index}, c});
            }
            topic_out.partitions.push_back(part);
        }
        out.topics.push_back(std::move(topic_out));
    }
    auto fail_accepted = [](protocol::offset_commit_response& r, error_code e) {
        for (auto& t : r.topics) {
            for (auto& p : t.partitions) {
                if (p.error_code == 0) p.error_code = to_wire(e);
            }
        }
    };
    int64_t end = -1;
    if (error_code e = persist(req.group_id, records, &end); e != error_code::none) {
        fail_accepted(out, e);
        return done(std::move(out));
    }
    if (end < 0) return done(std::move(out));  // nothing was accepted
    const topic_state* topic = broker_.topics().find(offsets_topic_name);
    const partition_state& p = *topic->partitions[static_cast<size_t>(offsets_partition_of(req.group_id))];
    // The cache takes the offsets only once they are safe, as Kafka's does:
    // a commit that fails is never served by OffsetFetch.
    await_commit(broker_, ref_of(std::string(offsets_topic_name), p), end, settings_.commit_timeout_ms,
                 [this, alive = std::weak_ptr<bool>(alive_), group_id = req.group_id, accepted = std::move(accepted),
                  out = std::move(out), done = std::move(done), fail_accepted](commit_outcome outcome) mutable {
                     if (alive.expired()) return;
                     if (outcome == commit_outcome::committed) {
                         if (group* g = find(group_id)) {
                             for (auto& [key, value] : accepted) g->offsets()[key] = value;
                         }
                     } else {
                         // Kafka's mapping of a failed offsets append.
                         fail_accepted(out, outcome == commit_outcome::not_leader ? error_code::not_coordinator
                                                                                   : error_code::coordinator_not_available);
                     }
                     done(std::move(out));
                 });
}

// ---- OffsetFetch / OffsetDelete ----

error_code coordinator::fetch_offsets(const std::string& group_id, const fetch_topics& topics,
                                      std::vector<fetched_offset>& out) {
    if (error_code e = serving(group_id); e != error_code::none) return e;
    group* g = find(group_id);
    if (!topics) {
        if (g == nullptr) return error_code::none;
        for (const auto& [key, value] : g->offsets())
            out.push_back({key.first, key.second, value});
        return error_code::none;
    }
    for (const auto& [topic, partitions] : *topics) {
        for (int32_t p : partitions) {
            fetched_offset f{topic, p, {}};
            if (g != nullptr) {
                auto it = g->offsets().find({topic, p});
                if (it != g->offsets().end()) f.offset = it->second;
            }
            out.push_back(std::move(f));
        }
    }
    return error_code::none;
}

void coordinator::delete_offsets(const protocol::offset_delete_request& req, protocol::offset_delete_response& out) {
    if (error_code e = serving(req.group_id); e != error_code::none) {
        out.error_code = to_wire(e);
        return;
    }
    group* g = find(req.group_id);
    if (g == nullptr || g->state() == group_state::dead) {
        out.error_code = to_wire(error_code::group_id_not_found);
        return;
    }
    if (!g->empty() && g->protocol_type() != "consumer") {
        out.error_code = to_wire(error_code::non_empty_group);
        return;
    }
    std::optional<std::set<std::string>> subscribed =
        g->consumer() != nullptr ? consumer_subscribed(*g->consumer()) : g->subscribed_topics();
    std::vector<keyed_value> tombstones;
    std::vector<std::pair<std::string, int32_t>> removed;
    for (const auto& t : req.topics) {
        protocol::offset_delete_response::offset_delete_response_topic topic_out;
        topic_out.name = t.name;
        for (const auto& p : t.partitions) {
            protocol::offset_delete_response::offset_delete_response_partition part;
            part.partition_index = p.partition_index;
            if (!subscribed || subscribed->contains(t.name)) {
                part.error_code = to_wire(error_code::group_subscribed_to_topic);
            } else if (broker_.topics().find(t.name, p.partition_index) == nullptr) {
                part.error_code = to_wire(error_code::unknown_topic_or_partition);
            } else if (g->offsets().contains({t.name, p.partition_index})) {
                tombstones.push_back({offset_commit_key(g->id(), t.name, p.partition_index), std::nullopt});
                removed.emplace_back(t.name, p.partition_index);
            }
            topic_out.partitions.push_back(part);
        }
        out.topics.push_back(std::move(topic_out));
    }
    if (error_code e = persist(g->id(), tombstones); e != error_code::none) {
        out.error_code = to_wire(e);
        return;
    }
    for (const auto& key : removed)
        g->offsets().erase(key);
}

// ---- DescribeGroups / ListGroups / DeleteGroups ----

protocol::describe_groups_response::described_group coordinator::describe(const std::string& group_id) {
    protocol::describe_groups_response::described_group out;
    out.group_id = group_id;
    if (error_code e = serving(group_id); e != error_code::none) {
        out.error_code = to_wire(e);
        return out;
    }
    group* g = find(group_id);
    // A consumer-protocol group is not described by the classic API: up to
    // v5 Kafka answers Dead with no error.
    if (g == nullptr || g->consumer() != nullptr) {
        out.group_state = state_name(group_state::dead);
        return out;
    }
    out.group_state = state_name(g->state());
    out.protocol_type = g->protocol_type();
    bool settled = g->state() == group_state::stable;
    out.protocol_data = settled ? g->protocol_name().value_or("") : "";
    for (const auto& [id, m] : g->members()) {
        protocol::describe_groups_response::described_group_member dm;
        dm.member_id = id;
        dm.group_instance_id = m->instance_id;
        dm.client_id = m->client_id;
        dm.client_host = m->client_host;
        if (settled && g->protocol_name()) {
            if (const protocol::bytes* meta = m->metadata_for(*g->protocol_name())) dm.member_metadata = *meta;
            dm.member_assignment = m->assignment;
        }
        out.members.push_back(std::move(dm));
    }
    return out;
}

std::vector<protocol::list_groups_response::listed_group> coordinator::list(
    const std::vector<std::string>& states, const std::vector<std::string>& types) const {
    std::vector<protocol::list_groups_response::listed_group> out;
    for (const auto& [id, g] : groups_) {
        const consumer_group* cg = g->consumer();
        std::string type = cg != nullptr ? "consumer" : "classic";
        std::string state = cg != nullptr ? cg->state_name() : state_name(g->state());
        if (!types.empty()) {
            bool wanted = false;
            for (const auto& t : types)
                wanted = wanted || strcasecmp(t.c_str(), type.c_str()) == 0;
            if (!wanted) continue;
        }
        if (!states.empty()) {
            bool wanted = false;
            for (const auto& s : states)
                wanted = wanted || strcasecmp(s.c_str(), state.c_str()) == 0;
            if (!wanted) continue;
        }
        protocol::list_groups_response::listed_group lg;
        lg.group_id = id;
        lg.protocol_type = cg != nullptr ? "consumer" : g->protocol_type();
        lg.group_state = state;
        lg.group_type = type;
        out.push_back(std::move(lg));
    }
    return out;
}

error_code coordinator::delete_group(const std::string& group_id) {
    if (group_id.empty()) return error_code::invalid_group_id;
    if (error_code e = serving(group_id); e != error_code::none) return e;
    group* g = find(group_id);
    if (g == nullptr || g->state() == group_state::dead) return error_code::group_id_not_found;
    expire_sessions(*g, now_ms());
    if (!g->empty() || (g->consumer() != nullptr && !g->consumer()->empty())) return error_code::non_empty_group;
    std::vector<keyed_value> tombstones;
    for (const auto& [key, value] : g->offsets()) {
        tombstones.push_back({offset_commit_key(group_id, key.first, key.second), std::nullopt});
    }
    if (g->consumer() != nullptr) {
        auto more = consumer_group_tombstones(*g->consumer());
        tombstones.insert(tombstones.end(), more.begin(), more.end());
    } else {
        tombstones.push_back({group_metadata_key(group_id), std::nullopt});
    }
    if (error_code e = persist(group_id, tombstones); e != error_code::none) return e;
    g->set_state(group_state::dead, now_ms());
    groups_.erase(group_id);
    rebalances_.erase(group_id);
    return error_code::none;
}

void coordinator::expire_offsets(group& g, int64_t now) {
    // Empty groups lose offsets once they are older than the retention
    // (counted from the later of the commit and the group emptying). A
    // Stable consumer group loses offsets of topics none of its members
    // subscribes to any more (KIP-496).
    std::optional<std::set<std::string>> subscribed;
    if (g.consumer() != nullptr) {
        // A consumer-protocol group keeps the offsets of what it subscribes to.
        if (!g.consumer()->empty()) subscribed = consumer_subscribed(*g.consumer());
    } else if (g.state() == group_state::stable && g.protocol_type() == "consumer") {
        subscribed = g.subscribed_topics();
        if (!subscribed) return;  // unknown subscriptions: keep everything
    } else if (g.state() != group_state::empty) {
        return;
    }
    std::vector<keyed_value> tombstones;
    std::vector<std::pair<std::string, int32_t>> expired;
    for (const auto& [key, value] : g.offsets()) {
        if (subscribed && subscribed->contains(key.first)) continue;
        int64_t since = subscribed ? value.commit_timestamp : std::max(value.commit_timestamp, g.state_timestamp());
        if (now - since >= settings_.offsets_retention_ms) {
            tombstones.push_back({offset_commit_key(g.id(), key.first, key.second), std::nullopt});
            expired.push_back(key);
        }
    }
    // A group with nothing left goes too, once it has been empty for a
    // whole check interval and nobody is between its two KIP-394 joins.
    bool drop_group = !subscribed && expired.size() == g.offsets().size() && g.pending().empty() &&
                      now - g.state_timestamp() >= settings_.retention_check_interval_ms;
    if (drop_group && g.consumer() != nullptr) {
        auto more = consumer_group_tombstones(*g.consumer());
        tombstones.insert(tombstones.end(), more.begin(), more.end());
    } else if (drop_group) {
        tombstones.push_back({group_metadata_key(g.id()), std::nullopt});
    }
    if (tombstones.empty() || persist(g.id(), tombstones) != error_code::none) return;
    for (const auto& key : expired)
        g.offsets().erase(key);
    if (!expired.empty()) spdlog::info("expired {} offset(s) of group {}", expired.size(), g.id());
    if (drop_group) groups_.erase(g.id());
}

}  // namespace sluice::broker::groups

#include "broker/groups/group_conversion.h"

#include <algorithm>
#include <cctype>

#include "broker/groups/consumer_group_records.h"
#include "protocol/generated/consumer_protocol_assignment.h"

namespace sluice::broker::groups {

std::optional<int16_t> embedded_version(const protocol::bytes& data) {
    protocol::reader r(protocol::bytes_view(data.data(), data.size()));
    int16_t version = r.read_int16();
    if (!r.ok() || version < 0) return std::nullopt;
    return version;
}

namespace {

template <typename Message>
std::optional<Message> decode_embedded(const protocol::bytes& data) {
    protocol::reader r(protocol::bytes_view(data.data(), data.size()));
    int16_t version = r.read_int16();
    if (!r.ok() || version < 0) return std::nullopt;
    Message m;
    m.decode(r, std::min<int16_t>(version, Message::highest_version));
    if (!r.ok()) return std::nullopt;
    return m;
}

}  // namespace

std::optional<protocol::consumer_protocol_subscription> decode_subscription(const protocol::bytes& data) {
    return decode_embedded<protocol::consumer_protocol_subscription>(data);
}

std::optional<partition_set> decode_assignment(const protocol::bytes& data, const topic_lookup& topics) {
    auto a = decode_embedded<protocol::consumer_protocol_assignment>(data);
    if (!a) return std::nullopt;
    partition_set out;
    for (const auto& tp : a->assigned_partitions) {
        auto id = topics.id_of(tp.topic);
        if (!id || tp.partitions.empty()) continue;
        out[*id].insert(tp.partitions.begin(), tp.partitions.end());
    }
    return out;
}

protocol::bytes encode_assignment(const partition_set& partitions, const topic_lookup& topics, int16_t version) {
    version = std::clamp<int16_t>(version, 0, protocol::consumer_protocol_assignment::highest_version);
    protocol::consumer_protocol_assignment a;
    for (const auto& [id, parts] : partitions) {
        auto name = topics.name_of(id);
        if (!name || parts.empty()) continue;
        protocol::consumer_protocol_assignment::topic_partition tp;
        tp.topic = *name;
        tp.partitions.assign(parts.begin(), parts.end());
        a.assigned_partitions.push_back(std::move(tp));
    }
    protocol::writer w;
    w.write_int16(version);
    a.encode(w, version);
    return std::move(w.buffer());
}

partition_set to_partition_set(const std::vector<protocol::consumer_protocol_subscription::topic_partition>& in,
                               const topic_lookup& topics) {
    partition_set out;
    for (const auto& tp : in) {
        auto id = topics.id_of(tp.topic);
        if (!id || tp.partitions.empty()) continue;
        out[*id].insert(tp.partitions.begin(), tp.partitions.end());
    }
    return out;
}

std::optional<migration_policy> parse_migration_policy(std::string_view value) {
    std::string lower(value);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower == "disabled") return migration_policy::disabled;
    if (lower == "upgrade") return migration_policy::upgrade;
    if (lower == "downgrade") return migration_policy::downgrade;
    if (lower == "bidirectional") return migration_policy::bidirectional;
    return std::nullopt;
}

bool upgrade_enabled(migration_policy p) {
    return p == migration_policy::upgrade || p == migration_policy::bidirectional;
}

bool downgrade_enabled(migration_policy p) {
    return p == migration_policy::downgrade || p == migration_policy::bidirectional;
}

std::unique_ptr<consumer_group> consumer_group_from_classic(const group& g, const topic_lookup& topics) {
    if (!g.protocol_name()) return nullptr;
    auto cg = std::make_unique<consumer_group>(g.id());
    cg->set_group_epoch(g.generation());
    cg->set_assignment_epoch(g.generation());
    for (const auto& [id, cm] : g.members()) {
        const protocol::bytes* metadata = cm->metadata_for(*g.protocol_name());
        if (metadata == nullptr) return nullptr;
        auto subscription = decode_subscription(*metadata);
        auto assigned = decode_assignment(cm->assignment, topics);
        if (!subscription || !assigned) return nullptr;

        auto m = std::make_unique<consumer_member>();
        m->id = id;
        m->instance_id = cm->instance_id;
        m->rack_id = subscription->rack_id;
        m->client_id = cm->client_id;
        m->client_host = cm->client_host;
        m->subscribed_topic_names = subscription->topics;
        std::sort(m->subscribed_topic_names.begin(), m->subscribed_topic_names.end());
        m->subscribed_topic_names.erase(std::unique(m->subscribed_topic_names.begin(), m->subscribed_topic_names.end()),
                                        m->subscribed_topic_names.end());
        m->rebalance_timeout_ms = cm->rebalance_timeout_ms;
        m->member_epoch = g.generation();
        m->previous_member_epoch = g.generation();
        m->state = member_state::stable;
        m->assigned = *assigned;
        classic_protocol_member classic;
        classic.session_timeout_ms = cm->session_timeout_ms;
        for (const auto& p : cm->protocols)
            classic.protocols.emplace_back(p.name, p.metadata);
        m->classic = std::move(classic);
        cg->target()[id] = *assigned;
        cg->add(std::move(m));
    }
    return cg;
}

std::vector<keyed_value> consumer_group_creation_records(const consumer_group& cg) {
    std::vector<keyed_value> out;
    for (const auto& [id, m] : cg.members())
        out.push_back(member_metadata_record(cg.id(), id, m.get()));
    out.push_back(group_epoch_record(cg.id(), cg.group_epoch()));
    for (const auto& [id, m] : cg.members())
        out.push_back(target_member_record(cg.id(), id, &cg.target_of(id)));
    out.push_back(target_epoch_record(cg.id(), cg.group_epoch()));
    for (const auto& [id, m] : cg.members())
        out.push_back(current_assignment_record(cg.id(), id, m.get()));
    return out;
}

bool classic_group_from_consumer(const consumer_group& cg, const std::string& leaving, const topic_lookup& topics,
                                 group& out, int64_t now_ms) {
    out.clear_members();
    for (const auto& [id, cm] : cg.members()) {
        if (id == leaving || !cm->classic) continue;
        auto m = std::make_unique<member>();
        m->id = id;
        m->instance_id = cm->instance_id;
        m->client_id = cm->client_id;
        m->client_host = cm->client_host;
        m->rebalance_timeout_ms = cm->rebalance_timeout_ms;
        m->session_timeout_ms = cm->classic->session_timeout_ms;
        m->protocol_type = "consumer";
        for (const auto& [name, metadata] : cm->classic->protocols)
            m->protocols.push_back({name, metadata});
        m->heartbeat_deadline_ms = now_ms + m->session_timeout_ms;
        out.add(std::move(m));
    }
    out.set_generation(cg.group_epoch());
    out.select_protocol_and_leader();
    if (!out.protocol_name()) return false;
    for (auto& [id, m] : out.members()) {
        const protocol::bytes* metadata = m->metadata_for(*out.protocol_name());
        auto version = metadata != nullptr ? embedded_version(*metadata) : std::nullopt;
        if (!version) return false;
        m->assignment = encode_assignment(cg.target_of(id), topics, *version);
    }
    out.set_state(group_state::stable, now_ms);
    return true;
}

}  // namespace sluice::broker::groups

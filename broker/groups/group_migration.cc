// KIP-848's online migration, as Kafka's GroupMetadataManager does it
// (validateOnlineUpgrade / convertToConsumerGroup, and
// validateOnlineDowngradeWithFencedMember / convertToClassicGroup). The
// group keeps its committed offsets either way; only its membership
// records change kind in __consumer_offsets.
#include <spdlog/spdlog.h>

#include "broker/broker.h"
#include "broker/groups/consumer_group_records.h"
#include "broker/groups/coordinator.h"
#include "broker/topics/topic_registry.h"

namespace sluice::broker::groups {

using protocol::error_code;
using protocol::to_wire;

topic_lookup coordinator::topic_names() {
    topic_lookup out;
    out.id_of = [this](const std::string& name) -> std::optional<protocol::uuid> {
        if (const topic_state* t = broker_.topics().find(std::string_view(name))) return t->meta.topic_id;
        return std::nullopt;
    };
    out.name_of = [this](const protocol::uuid& id) -> std::optional<std::string> {
        if (const topic_state* t = broker_.topics().find(id)) return t->meta.name;
        return std::nullopt;
    };
    return out;
}

bool coordinator::upgrade_to_consumer(group& g) {
    if (!upgrade_enabled(settings_.consumer_migration_policy)) {
        spdlog::info("Cannot upgrade classic group {} to consumer group because the online upgrade is disabled.",
                     g.id());
        return false;
    }
    if (g.protocol_type() != "consumer") {
        spdlog::info(
            "Cannot upgrade classic group {} to consumer group because the group does not use the consumer "
            "embedded protocol.",
            g.id());
        return false;
    }
    if (static_cast<int64_t>(g.members().size()) > settings_.consumer_max_size) {
        spdlog::info(
            "Cannot upgrade classic group {} to consumer group because the group size exceeds the consumer group "
            "maximum size.",
            g.id());
        return false;
    }
    std::unique_ptr<consumer_group> converted = consumer_group_from_classic(g, topic_names());
    if (converted == nullptr) {
        spdlog::warn(
            "Cannot upgrade the classic group {} to consumer group because the embedded consumer protocol is "
            "malformed.",
            g.id());
        return false;
    }

    // Members waiting in JoinGroup or SyncGroup rejoin, now as classic
    // members of the consumer group.
    for (auto& [id, m] : g.members()) {
        if (m->awaiting_join) {
            protocol::join_group_response r;
            r.error_code = to_wire(error_code::rebalance_in_progress);
            r.member_id = id;
            auto respond = std::move(m->awaiting_join);
            m->awaiting_join = nullptr;
            respond(r);
        }
        if (m->awaiting_sync) {
            protocol::sync_group_response r;
            r.error_code = to_wire(error_code::rebalance_in_progress);
            auto respond = std::move(m->awaiting_sync);
            m->awaiting_sync = nullptr;
            respond(r);
        }
    }
    std::vector<keyed_value> records;
    records.push_back({group_metadata_key(g.id()), std::nullopt});
    for (auto& r : consumer_group_creation_records(*converted))
        records.push_back(std::move(r));
    if (persist(g.id(), records) != error_code::none) return false;

    rebalances_.erase(g.id());
    std::erase_if(pending_deadlines_, [&](const auto& kv) { return kv.first.first == g.id(); });
    const int64_t now = now_ms();
    consumer_group& cg = g.make_consumer();
    cg.set_group_epoch(converted->group_epoch());
    cg.set_assignment_epoch(converted->assignment_epoch());
    cg.target() = converted->target();
    for (auto& [id, m] : converted->members()) {
        auto moved = std::make_unique<consumer_member>(*m);
        moved->session_deadline_ms = now + moved->classic->session_timeout_ms;
        cg.add(std::move(moved));
    }
    g.clear_members();
    // The classic state machine is idle while the group is a consumer group.
    g.set_state(group_state::empty, now);
    spdlog::info("group {}: upgraded from classic to consumer group at epoch {} with {} classic member(s)", g.id(),
                 cg.group_epoch(), cg.members().size());
    return true;
}

bool coordinator::maybe_downgrade(group& g, const std::string& member_id) {
    consumer_group* cg = g.consumer();
    if (cg == nullptr || !cg->all_classic_except(member_id)) return false;
    if (cg->members().size() <= 1) return false;  // empty afterwards: it stays a consumer group
    if (!downgrade_enabled(settings_.consumer_migration_policy)) {
        spdlog::info("Cannot downgrade consumer group {} to classic group because the online downgrade is disabled.",
                     g.id());
        return false;
    }
    return downgrade(g, member_id, true);
}

bool coordinator::downgrade_after_replacement(group& g) {
    consumer_group* cg = g.consumer();
    if (cg == nullptr || !cg->all_classic_except("")) return false;
    if (!downgrade_enabled(settings_.consumer_migration_policy)) {
        spdlog::info("Cannot downgrade consumer group {} to classic group because the online downgrade is disabled.",
                     g.id());
        return false;
    }
    return downgrade(g, "", false);
}

bool coordinator::downgrade(group& g, const std::string& leaving, bool rebalance) {
    consumer_group& cg = *g.consumer();
    const int64_t now = now_ms();
    group converted(g.id());
    if (!classic_group_from_consumer(cg, leaving, topic_names(), converted, now)) {
        spdlog::warn("Cannot downgrade the consumer group {}: fail to parse the Consumer Protocol consumer.", g.id());
        return false;
    }
    std::vector<keyed_value> records = consumer_group_tombstones(cg);
    records.push_back({group_metadata_key(g.id()), group_metadata_value(converted.to_record(now))});
    if (persist(g.id(), records) != error_code::none) return false;

    g.make_classic();
    g.clear_members();
    for (auto& [id, m] : converted.members()) {
        auto moved = std::make_unique<member>(*m);
        g.add(std::move(moved));
    }
    g.set_generation(converted.generation());
    g.select_protocol_and_leader();
    for (auto& [id, m] : g.members())
        m->assignment = converted.find(id)->assignment;
    g.set_state(group_state::stable, now);
    spdlog::info("group {}: downgraded from consumer to classic group at generation {}{}", g.id(), g.generation(),
                 rebalance ? "; its members rejoin" : "");
    if (rebalance) prepare_rebalance(g, now);
    return true;
}

}  // namespace sluice::broker::groups

#include "broker/groups/consumer_group.h"

#include <algorithm>

namespace sluice::broker::groups {

namespace {

const partition_set no_partitions;

void add_all(partition_set& into, const partition_set& from) {
    for (const auto& [topic, parts] : from)
        into[topic].insert(parts.begin(), parts.end());
}

}  // namespace

bool is_subset(const partition_set& part, const partition_set& whole) {
    for (const auto& [topic, parts] : part) {
        if (parts.empty()) continue;
        auto it = whole.find(topic);
        if (it == whole.end()) return false;
        if (!std::includes(it->second.begin(), it->second.end(), parts.begin(), parts.end())) return false;
    }
    return true;
}

consumer_member* consumer_group::find(const std::string& member_id) {
    auto it = members_.find(member_id);
    return it == members_.end() ? nullptr : it->second.get();
}

consumer_member* consumer_group::find_static(const std::string& instance_id) {
    for (auto& [id, m] : members_) {
        if (m->instance_id == instance_id) return m.get();
    }
    return nullptr;
}

consumer_member& consumer_group::add(std::unique_ptr<consumer_member> m) {
    auto& slot = members_[m->id];
    slot = std::move(m);
    hold(slot->assigned, slot->member_epoch);
    hold(slot->pending_revocation, slot->member_epoch);
    return *slot;
}

void consumer_group::remove(const std::string& member_id) {
    auto it = members_.find(member_id);
    if (it == members_.end()) return;
    release(it->second->assigned);
    release(it->second->pending_revocation);
    members_.erase(it);
    target_.erase(member_id);
}

const partition_set& consumer_group::target_of(const std::string& member_id) const {
    auto it = target_.find(member_id);
    return it == target_.end() ? no_partitions : it->second;
}

void consumer_group::release(const partition_set& partitions) {
    for (const auto& [topic, parts] : partitions) {
        for (int32_t p : parts)
            owners_.erase({topic, p});
    }
}

void consumer_group::hold(const partition_set& partitions, int32_t epoch) {
    for (const auto& [topic, parts] : partitions) {
        for (int32_t p : parts)
            owners_[{topic, p}] = epoch;
    }
}

void consumer_group::set_member_assignment(consumer_member& m, partition_set assigned,
                                           partition_set pending_revocation) {
    release(m.assigned);
    release(m.pending_revocation);
    std::erase_if(assigned, [](const auto& kv) { return kv.second.empty(); });
    std::erase_if(pending_revocation, [](const auto& kv) { return kv.second.empty(); });
    m.assigned = std::move(assigned);
    m.pending_revocation = std::move(pending_revocation);
    hold(m.assigned, m.member_epoch);
    hold(m.pending_revocation, m.member_epoch);
}

int32_t consumer_group::partition_epoch(const protocol::uuid& topic, int32_t partition) const {
    auto it = owners_.find({topic, partition});
    return it == owners_.end() ? -1 : it->second;
}

bool consumer_group::reconcile(consumer_member& m, const std::optional<partition_set>& owned) {
    // The epoch the member is at if it must (still) revoke something.
    int32_t revoking_epoch = m.member_epoch;
    switch (m.state) {
        case member_state::stable:
            // Nothing to do until a newer target assignment exists.
            if (m.member_epoch == assignment_epoch_) return false;
            break;
        case member_state::unrevoked_partitions: {
            // Waits until the member says it no longer owns what it must give up.
            if (!owned) return false;
            for (const auto& [topic, parts] : m.pending_revocation) {
                auto it = owned->find(topic);
                if (it == owned->end()) continue;
                for (int32_t p : parts) {
                    if (it->second.contains(p)) return false;
                }
            }
            // Having let go is progress: the member moves up one epoch even
            // if the target changed meanwhile and it must revoke again.
            revoking_epoch = std::min(m.member_epoch + 1, assignment_epoch_);
            break;
        }
        case member_state::unreleased_partitions:
        case member_state::unknown:
            break;
    }

    const partition_set& target = target_of(m.id);
    std::set<protocol::uuid> topics;
    for (const auto& [t, _] : target)
        topics.insert(t);
    for (const auto& [t, _] : m.assigned)
        topics.insert(t);

    partition_set kept, revoke, claim;
    bool unreleased = false;
    for (const auto& topic : topics) {
        const std::set<int32_t>& want = target.contains(topic) ? target.at(topic) : std::set<int32_t>{};
        const std::set<int32_t>& have = m.assigned.contains(topic) ? m.assigned.at(topic) : std::set<int32_t>{};
        for (int32_t p : have)
            (want.contains(p) ? kept : revoke)[topic].insert(p);
        for (int32_t p : want) {
            if (have.contains(p)) continue;
            // A partition another member still holds is not handed out yet.
            if (partition_epoch(topic, p) != -1) {
                unreleased = true;
            } else {
                claim[topic].insert(p);
            }
        }
    }

    int32_t before_epoch = m.member_epoch;
    member_state before_state = m.state;
    partition_set before_assigned = m.assigned;
    partition_set before_pending = m.pending_revocation;
    if (!revoke.empty()) {
        // Revoke first: the member keeps its epoch until it has let go.
        m.state = member_state::unrevoked_partitions;
        m.previous_member_epoch = m.member_epoch;
        m.member_epoch = revoking_epoch;
        set_member_assignment(m, std::move(kept), std::move(revoke));
    } else {
        add_all(kept, claim);
        m.previous_member_epoch = m.member_epoch;
        m.member_epoch = assignment_epoch_;
        m.state = unreleased ? member_state::unreleased_partitions : member_state::stable;
        set_member_assignment(m, std::move(kept), {});
    }
    return m.member_epoch != before_epoch || m.state != before_state || m.assigned != before_assigned ||
           m.pending_revocation != before_pending;
}

std::optional<std::string> consumer_group::preferred_assignor() const {
    std::map<std::string, int> votes;
    for (const auto& [id, m] : members_) {
        if (m->server_assignor) ++votes[*m->server_assignor];
    }
    std::optional<std::string> best;
    int most = 0;
    for (const auto& [name, count] : votes) {
        if (count > most) {
            best = name;
            most = count;
        }
    }
    return best;
}

bool consumer_group::all_classic_except(const std::string& except) const {
    return std::all_of(members_.begin(), members_.end(),
                       [&](const auto& kv) { return kv.first == except || kv.second->classic.has_value(); });
}

bool consumer_group::supports_classic_protocols(const std::string& protocol_type,
                                                const std::vector<std::string>& names) const {
    if (protocol_type != "consumer") return false;
    bool any_classic = std::any_of(members_.begin(), members_.end(), [](const auto& kv) { return kv.second->classic; });
    if (!any_classic) return !names.empty();
    return std::any_of(names.begin(), names.end(), [&](const std::string& name) {
        return std::all_of(members_.begin(), members_.end(), [&](const auto& kv) {
            if (!kv.second->classic) return true;
            const auto& ps = kv.second->classic->protocols;
            return std::any_of(ps.begin(), ps.end(), [&](const auto& p) { return p.first == name; });
        });
    });
}

bool consumer_group::waiting_on_unreleased(const consumer_member& m) const {
    for (const auto& [topic, parts] : target_of(m.id)) {
        auto mine = m.assigned.find(topic);
        for (int32_t p : parts) {
            if (mine != m.assigned.end() && mine->second.contains(p)) continue;
            if (partition_epoch(topic, p) != -1) return true;
        }
    }
    return false;
}

std::string consumer_group::state_name() const {
    if (members_.empty()) return "Empty";
    if (group_epoch_ != assignment_epoch_) return "Assigning";
    for (const auto& [id, m] : members_) {
        if (m->member_epoch != assignment_epoch_ || m->state != member_state::stable) return "Reconciling";
    }
    return "Stable";
}

}  // namespace sluice::broker::groups

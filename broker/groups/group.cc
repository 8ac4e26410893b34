#include "broker/groups/group.h"

#include <algorithm>

#include "protocol/generated/consumer_protocol_subscription.h"

namespace sluice::broker::groups {

const char* state_name(group_state s) {
    switch (s) {
        case group_state::empty:
            return "Empty";
        case group_state::preparing_rebalance:
            return "PreparingRebalance";
        case group_state::completing_rebalance:
            return "CompletingRebalance";
        case group_state::stable:
            return "Stable";
        case group_state::dead:
            return "Dead";
    }
    return "Unknown";
}

const protocol::bytes* member::metadata_for(const std::string& protocol) const {
    for (const auto& p : protocols) {
        if (p.name == protocol) return &p.metadata;
    }
    return nullptr;
}

bool member::same_protocols(const std::vector<protocol_choice>& other) const {
    if (other.size() != protocols.size()) return false;
    for (size_t i = 0; i < other.size(); ++i) {
        if (other[i].name != protocols[i].name || other[i].metadata != protocols[i].metadata) return false;
    }
    return true;
}

void group::set_state(group_state s, int64_t now_ms) {
    state_ = s;
    state_timestamp_ = now_ms;
}

member* group::find(const std::string& member_id) {
    auto it = members_.find(member_id);
    return it == members_.end() ? nullptr : it->second.get();
}

member* group::find_static(const std::string& instance_id) {
    for (auto& [id, m] : members_) {
        if (m->instance_id && *m->instance_id == instance_id) return m.get();
    }
    return nullptr;
}

member& group::add(std::unique_ptr<member> m) {
    if (members_.empty()) protocol_type_ = m->protocol_type;
    std::string id = m->id;
    join_order_.push_back(id);
    pending_.erase(id);
    auto& slot = members_[id];
    slot = std::move(m);
    return *slot;
}

void group::remove(std::string member_id) {
    members_.erase(member_id);
    std::erase(join_order_, member_id);
    if (leader_ && *leader_ == member_id) leader_.reset();
    if (!join_order_.empty() && !leader_ && state_ != group_state::stable) leader_ = join_order_.front();
    if (members_.empty()) {
        protocol_name_.reset();
        leader_.reset();
    }
}

void group::replace_static(member& m, const std::string& new_member_id) {
    auto node = members_.extract(m.id);
    std::replace(join_order_.begin(), join_order_.end(), m.id, new_member_id);
    if (leader_ && *leader_ == m.id) leader_ = new_member_id;
    node.key() = new_member_id;
    node.mapped()->id = new_member_id;
    members_.insert(std::move(node));
}

bool group::supports(const std::string& protocol_type, const std::vector<protocol_choice>& protocols) const {
    if (protocol_type.empty() || protocols.empty()) return false;
    if (members_.empty()) return true;
    if (protocol_type != protocol_type_) return false;
    for (const auto& candidate : protocols) {
        bool everyone = std::all_of(members_.begin(), members_.end(),
                                    [&](const auto& kv) { return kv.second->metadata_for(candidate.name) != nullptr; });
        if (everyone) return true;
    }
    return false;
}

bool group::all_joined() const {
    return pending_.empty() &&
           std::all_of(members_.begin(), members_.end(), [](const auto& kv) { return bool(kv.second->awaiting_join); });
}

int32_t group::max_rebalance_timeout_ms() const {
    int32_t t = 0;
    for (const auto& [id, m] : members_)
        t = std::max(t, m->rebalance_timeout_ms);
    return t;
}

std::optional<std::string> group::choose_protocol() const {
    // Candidates: protocols every member supports, in the first member's order.
    std::vector<std::string> candidates;
    if (!members_.empty()) {
        for (const auto& p : members_.at(join_order_.front())->protocols) {
            bool everyone = std::all_of(members_.begin(), members_.end(),
                                        [&](const auto& kv) { return kv.second->metadata_for(p.name) != nullptr; });
            if (everyone) candidates.push_back(p.name);
        }
    }
    // Each member votes for its most preferred candidate.
    std::map<std::string, int> votes;
    for (const auto& [id, m] : members_) {
        for (const auto& p : m->protocols) {
            if (std::find(candidates.begin(), candidates.end(), p.name) != candidates.end()) {
                ++votes[p.name];
                break;
            }
        }
    }
    std::optional<std::string> best;
    int best_votes = -1;
    for (const auto& c : candidates) {
        if (votes[c] > best_votes) {
            best_votes = votes[c];
            best = c;
        }
    }
    return best;
}

void group::select_protocol_and_leader() {
    protocol_name_ = choose_protocol();
    if (!leader_ || members_.find(*leader_) == members_.end()) {
        if (!join_order_.empty()) leader_ = join_order_.front();
    }
}

std::optional<std::set<std::string>> group::subscribed_topics() const {
    std::set<std::string> topics;
    if (protocol_type_ != "consumer" || !protocol_name_) return topics;
    for (const auto& [id, m] : members_) {
        const protocol::bytes* meta = m->metadata_for(*protocol_name_);
        if (meta == nullptr) return std::nullopt;
        protocol::reader r(*meta);
        int16_t version = r.read_int16();
        if (!r.ok() || version < 0) return std::nullopt;
        protocol::consumer_protocol_subscription sub;
        // Newer versions only add fields at the end, so the highest we know reads them.
        sub.decode(r, std::min<int16_t>(version, protocol::consumer_protocol_subscription::highest_version));
        if (!r.ok()) return std::nullopt;
        topics.insert(sub.topics.begin(), sub.topics.end());
    }
    return topics;
}

group_record group::to_record(int64_t now_ms) const {
    group_record r;
    r.protocol_type = protocol_type_;
    r.generation = generation_;
    r.protocol = protocol_name_;
    r.leader = leader_;
    r.current_state_timestamp = now_ms;
    for (const auto& id : join_order_) {
        const member& m = *members_.at(id);
        member_record mr;
        mr.member_id = m.id;
        mr.group_instance_id = m.instance_id;
        mr.client_id = m.client_id;
        mr.client_host = m.client_host;
        mr.rebalance_timeout_ms = m.rebalance_timeout_ms;
        mr.session_timeout_ms = m.session_timeout_ms;
        if (protocol_name_) {
            if (const protocol::bytes* meta = m.metadata_for(*protocol_name_)) mr.subscription = *meta;
        }
        mr.assignment = m.assignment;
        r.members.push_back(std::move(mr));
    }
    return r;
}

void group::restore(const group_record& record, int64_t now_ms) {
    protocol_type_ = record.protocol_type;
    generation_ = record.generation;
    protocol_name_ = record.protocol;
    leader_ = record.leader;
    members_.clear();
    join_order_.clear();
    for (const auto& mr : record.members) {
        auto m = std::make_unique<member>();
        m->id = mr.member_id;
        m->instance_id = mr.group_instance_id;
        m->client_id = mr.client_id;
        m->client_host = mr.client_host;
        m->rebalance_timeout_ms = mr.rebalance_timeout_ms;
        m->session_timeout_ms = mr.session_timeout_ms;
        m->protocol_type = record.protocol_type;
        if (record.protocol) m->protocols.push_back({*record.protocol, mr.subscription});
        m->assignment = mr.assignment;
        m->heartbeat_deadline_ms = now_ms + mr.session_timeout_ms;
        join_order_.push_back(m->id);
        members_[m->id] = std::move(m);
    }
    set_state(members_.empty() ? group_state::empty : group_state::stable, record.current_state_timestamp);
}

void group::clear_members() {
    members_.clear();
    join_order_.clear();
    pending_.clear();
    protocol_name_.reset();
    leader_.reset();
}

consumer_group& group::make_consumer() {
    if (!consumer_) consumer_ = std::make_unique<consumer_group>(id_);
    return *consumer_;
}

}  // namespace sluice::broker::groups

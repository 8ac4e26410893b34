#include "broker/groups/assignors.h"

#include <algorithm>
#include <utility>

namespace sluice::broker::groups {

namespace {

using partition_ref = std::pair<protocol::uuid, int32_t>;

// Members subscribed to `topic`, in member-id order.
std::vector<std::string> subscribers(const assignor_input& input, const protocol::uuid& topic) {
    std::vector<std::string> out;
    for (const auto& [id, m] : input.members) {
        if (m.topics.contains(topic)) out.push_back(id);
    }
    return out;
}

}  // namespace

assignor_output assign_range(const assignor_input& input) {
    assignor_output out;
    for (const auto& [id, _] : input.members)
        out[id];
    for (const auto& [topic, count] : input.partitions) {
        std::vector<std::string> members = subscribers(input, topic);
        if (members.empty()) continue;
        const int32_t n = static_cast<int32_t>(members.size());
        const int32_t base = count / n;
        const int32_t extra = count % n;
        int32_t next = 0;
        for (int32_t i = 0; i < n; ++i) {
            int32_t take = base + (i < extra ? 1 : 0);
            for (int32_t p = next; p < next + take; ++p)
                out[members[static_cast<size_t>(i)]][topic].insert(p);
            next += take;
        }
    }
    return out;
}

assignor_output assign_uniform(const assignor_input& input) {
    assignor_output out;
    std::map<std::string, int32_t> load;
    for (const auto& [id, _] : input.members) {
        out[id];
        load[id] = 0;
    }
    if (input.members.empty()) return out;

    // Every partition some member subscribes to, and who may take it.
    std::vector<partition_ref> all;
    std::map<protocol::uuid, std::vector<std::string>> eligible;
    for (const auto& [topic, count] : input.partitions) {
        auto members = subscribers(input, topic);
        if (members.empty()) continue;
        for (int32_t p = 0; p < count; ++p)
            all.emplace_back(topic, p);
        eligible[topic] = std::move(members);
    }
    const int32_t members = static_cast<int32_t>(input.members.size());
    const int32_t floor = static_cast<int32_t>(all.size()) / members;
    int32_t extra = static_cast<int32_t>(all.size()) % members;  // members that may hold floor + 1

    // Stickiness: keep previous partitions up to the fair share.
    std::map<partition_ref, std::string> owner;
    for (const auto& [id, m] : input.members) {
        for (const auto& [topic, parts] : m.current) {
            if (!m.topics.contains(topic) || !input.partitions.contains(topic)) continue;
            for (int32_t p : parts) {
                if (p >= input.partitions.at(topic) || owner.contains({topic, p})) continue;
                if (load[id] == floor && extra > 0) {
                    --extra;
                } else if (load[id] >= floor) {
                    continue;
                }
                owner[{topic, p}] = id;
                ++load[id];
            }
        }
    }

    // The rest go to the least loaded eligible member.
    for (const auto& ref : all) {
        if (owner.contains(ref)) continue;
        const std::string* best = nullptr;
        for (const auto& id : eligible[ref.first]) {
            if (best == nullptr || load[id] < load[*best]) best = &id;
        }
        owner[ref] = *best;
        ++load[*best];
    }

    // Even out what stickiness and uneven subscriptions left: move a
    // partition whenever its owner has two more than an eligible member.
    // Each move lowers the sum of squared loads, so this ends.
    for (bool moved = true; moved;) {
        moved = false;
        for (auto& [ref, id] : owner) {
            for (const auto& other : eligible[ref.first]) {
                if (load[id] > load[other] + 1) {
                    --load[id];
                    ++load[other];
                    id = other;
                    moved = true;
                    break;
                }
            }
        }
    }
    for (const auto& [ref, id] : owner)
        out[id][ref.first].insert(ref.second);
    return out;
}

bool is_known_assignor(std::string_view name) { return name == "uniform" || name == "range"; }

std::optional<assignor_output> run_assignor(std::string_view name, const assignor_input& input) {
    if (name == "uniform") return assign_uniform(input);
    if (name == "range") return assign_range(input);
    return std::nullopt;
}

}  // namespace sluice::broker::groups

#include "replication/controlled_shutdown.h"

namespace sluice::replication {

namespace {

bool staying(int32_t id, const std::set<int32_t>& live, const std::set<int32_t>& leaving) {
    return live.contains(id) && !leaving.contains(id);
}

// The first replica (preferred first) that could lead instead of a leaving one.
std::optional<int32_t> successor(const partition_registration& r, const std::set<int32_t>& live,
                                 const std::set<int32_t>& leaving) {
    for (int32_t id : r.replicas) {
        if (staying(id, live, leaving) && r.in_isr(id)) return id;
    }
    return std::nullopt;
}

}  // namespace

std::optional<partition_registration> away_from_leaving(const partition_registration& current,
                                                        const std::set<int32_t>& live,
                                                        const std::set<int32_t>& leaving) {
    if (current.leader == no_leader || leaving.empty()) return std::nullopt;
    partition_registration next = current;
    if (leaving.contains(current.leader)) {
        auto to = successor(current, live, leaving);
        if (!to) return std::nullopt;  // nobody else can lead: keep serving until the broker goes
        next.leader = *to;
    }
    // The leader stays (or is new and in the ISR), so the ISR keeps at least it.
    std::vector<int32_t> isr;
    for (int32_t id : current.isr) {
        if (!leaving.contains(id)) isr.push_back(id);
    }
    next.isr = std::move(isr);
    if (next == current) return std::nullopt;
    if (next.leader != current.leader) ++next.leader_epoch;
    ++next.partition_epoch;
    return next;
}

bool still_to_move(const partition_registration& state, int32_t self, const std::set<int32_t>& live,
                   const std::set<int32_t>& leaving) {
    if (state.leader == self) return successor(state, live, leaving).has_value();
    if (state.leader == no_leader || !state.in_isr(self)) return false;
    return staying(state.leader, live, leaving);
}

}  // namespace sluice::replication

#include "replication/partition_registration.h"

#include <algorithm>
#include <boost/json.hpp>

namespace sluice::replication {

namespace bj = boost::json;

bool partition_registration::in_isr(int32_t broker) const {
    return std::find(isr.begin(), isr.end(), broker) != isr.end();
}

bool partition_registration::is_replica(int32_t broker) const {
    return std::find(replicas.begin(), replicas.end(), broker) != replicas.end();
}

partition_registration initial_registration(std::vector<int32_t> replicas) {
    partition_registration r;
    r.isr = replicas;
    r.leader = replicas.empty() ? no_leader : replicas.front();
    r.replicas = std::move(replicas);
    return r;
}

namespace {

bj::array ids(const std::vector<int32_t>& v) {
    bj::array a;
    for (int32_t id : v) a.push_back(id);
    return a;
}

bool read_ids(const bj::object& o, std::string_view field, std::vector<int32_t>& out) {
    const bj::value* v = o.if_contains(field);
    if (v == nullptr || !v->is_array()) return false;
    for (const auto& item : v->as_array()) {
        if (!item.is_int64() || item.as_int64() < 0 || item.as_int64() > INT32_MAX) return false;
        out.push_back(static_cast<int32_t>(item.as_int64()));
    }
    return true;
}

bool read_int32(const bj::object& o, std::string_view field, int32_t& out) {
    const bj::value* v = o.if_contains(field);
    if (v == nullptr || !v->is_int64() || v->as_int64() < INT32_MIN || v->as_int64() > INT32_MAX) return false;
    out = static_cast<int32_t>(v->as_int64());
    return true;
}

bool live_in(const std::set<int32_t>& live, int32_t id) { return live.contains(id); }

}  // namespace

std::string to_json(const partition_registration& r) {
    bj::object o{{"replicas", ids(r.replicas)},
                 {"isr", ids(r.isr)},
                 {"leader", r.leader},
                 {"leader_epoch", r.leader_epoch},
                 {"partition_epoch", r.partition_epoch}};
    // Written only during a reassignment: states written before it existed read alike.
    if (!r.adding_replicas.empty()) o["adding_replicas"] = ids(r.adding_replicas);
    if (!r.removing_replicas.empty()) o["removing_replicas"] = ids(r.removing_replicas);
    return bj::serialize(o);
}

std::optional<partition_registration> partition_registration_from_json(const std::string& text) {
    boost::system::error_code ec;
    bj::value v = bj::parse(text, ec);
    if (ec || !v.is_object()) return std::nullopt;
    const bj::object& o = v.as_object();
    partition_registration r;
    if (!read_ids(o, "replicas", r.replicas) || !read_ids(o, "isr", r.isr) || !read_int32(o, "leader", r.leader) ||
        !read_int32(o, "leader_epoch", r.leader_epoch) || !read_int32(o, "partition_epoch", r.partition_epoch)) {
        return std::nullopt;
    }
    if ((o.contains("adding_replicas") && !read_ids(o, "adding_replicas", r.adding_replicas)) ||
        (o.contains("removing_replicas") && !read_ids(o, "removing_replicas", r.removing_replicas))) {
        return std::nullopt;
    }
    return r;
}

std::optional<partition_registration> after_broker_change(const partition_registration& current,
                                                          const std::set<int32_t>& live, bool unclean_allowed) {
    partition_registration next = current;
    std::vector<int32_t> isr;
    for (int32_t id : current.isr) {
        if (live_in(live, id)) isr.push_back(id);
    }
    // The last in-sync replica stays in the ISR even when it is gone: it
    // holds every committed record, so it may lead cleanly when it returns.
    if (isr.empty() && !current.isr.empty()) isr = {current.isr.back()};
    next.isr = isr;

    bool leader_ok = current.leader != no_leader && live_in(live, current.leader) && next.in_isr(current.leader);
    if (!leader_ok) {
        next.leader = no_leader;
        for (int32_t id : current.replicas) {
            if (live_in(live, id) && next.in_isr(id)) {
                next.leader = id;
                break;
            }
        }
        if (next.leader == no_leader && unclean_allowed) {
            for (int32_t id : current.replicas) {
                if (live_in(live, id)) {
                    next.leader = id;
                    next.isr = {id};  // only what it has is committed now
                    break;
                }
            }
        }
    }
    if (next == current) return std::nullopt;
    if (next.leader != current.leader) ++next.leader_epoch;
    ++next.partition_epoch;
    return next;
}

std::optional<partition_registration> preferred_leader(const partition_registration& current,
                                                       const std::set<int32_t>& live) {
    if (current.replicas.empty()) return std::nullopt;
    int32_t preferred = current.replicas.front();
    if (current.leader == preferred || !live_in(live, preferred) || !current.in_isr(preferred)) return std::nullopt;
    partition_registration next = current;
    next.leader = preferred;
    ++next.leader_epoch;
    ++next.partition_epoch;
    return next;
}

std::optional<partition_registration> with_isr(const partition_registration& current, int32_t from_leader,
                                               int32_t leader_epoch, int32_t partition_epoch,
                                               std::vector<int32_t> new_isr) {
    if (from_leader != current.leader || leader_epoch != current.leader_epoch ||
        partition_epoch != current.partition_epoch) {
        return std::nullopt;
    }
    if (std::find(new_isr.begin(), new_isr.end(), from_leader) == new_isr.end()) return std::nullopt;
    std::set<int32_t> seen;
    for (int32_t id : new_isr) {
        bool replica = std::find(current.replicas.begin(), current.replicas.end(), id) != current.replicas.end();
        if (!replica || !seen.insert(id).second) return std::nullopt;
    }
    partition_registration next = current;
    next.isr = std::move(new_isr);
    ++next.partition_epoch;
    return next;
}

}  // namespace sluice::replication

// Membership: JoinGroup, SyncGroup, Heartbeat, LeaveGroup and the rebalance
// state machine. Offsets and persistence are in coordinator_offsets.cc.
#include "broker/groups/coordinator.h"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <random>

#include "broker/broker.h"
#include "broker/groups/member_replies.h"

namespace sluice::broker::groups {

using protocol::error_code;
using protocol::to_wire;

struct coordinator::ticker {
    explicit ticker(boost::asio::io_context& io) : timer(io) {}
    boost::asio::steady_timer timer;
    bool running = false;
};

namespace {

std::string new_member_id(const std::string& client_id) {
    static std::mt19937_64 rng{std::random_device{}()};
    static const char* hex = "0123456789abcdef";
    std::string suffix;
    for (int i = 0; i < 32; ++i) {
        if (i == 8 || i == 12 || i == 16 || i == 20) suffix += '-';
        suffix += hex[rng() & 0xf];
    }
    return (client_id.empty() ? std::string("member") : client_id) + "-" + suffix;
}

std::vector<protocol_choice> choices_of(const protocol::join_group_request& req) {
    std::vector<protocol_choice> out;
    for (const auto& p : req.protocols) out.push_back({p.name, p.metadata});
    return out;
}

}  // namespace

coordinator::coordinator(broker& owner, coordinator_settings settings)
    : broker_(owner),
      settings_(settings),
      takeover_(owner, std::string(offsets_topic_name),
                [this](int32_t partition, const partition_state& p) { take_over(partition, p); }),
      ticker_(std::make_unique<ticker>(owner.io())) {}

coordinator::~coordinator() = default;

void coordinator::start() {
    if (!ticker_->running) last_retention_check_ms_ = now_ms();
    ticker_->running = true;
    ticker_->timer.expires_after(std::chrono::milliseconds(settings_.tick_ms));
    ticker_->timer.async_wait([this](boost::system::error_code ec) {
        if (ec || !ticker_->running) return;
        tick(now_ms());
        start();
    });
}

void coordinator::stop() {
    ticker_->running = false;
    ticker_->timer.cancel();
}

group* coordinator::find(const std::string& id) {
    auto it = groups_.find(id);
    return it == groups_.end() ? nullptr : it->second.get();
}

bool coordinator::group_exists(const std::string& group_id) const { return groups_.contains(group_id); }

// ---- JoinGroup ----

void coordinator::join(const protocol::join_group_request& req, int16_t version, const std::string& client_id,
                       const std::string& client_host, join_callback done) {
    if (req.group_id.empty()) return done(join_error(error_code::invalid_group_id, req.member_id));
    if (req.session_timeout_ms < settings_.min_session_timeout_ms ||
        req.session_timeout_ms > settings_.max_session_timeout_ms) {
        return done(join_error(error_code::invalid_session_timeout, req.member_id));
    }
    if (ensure_offsets_topic() != error_code::none) {
        return done(join_error(error_code::coordinator_not_available, req.member_id));
    }
    if (error_code e = serving(req.group_id); e != error_code::none) return done(join_error(e, req.member_id));
    group* g = find(req.group_id);
    if (g == nullptr) {
        if (!req.member_id.empty()) return done(join_error(error_code::unknown_member_id, req.member_id));
        g = groups_.emplace(req.group_id, std::make_unique<group>(req.group_id)).first->second.get();
        g->set_state(group_state::empty, now_ms());
    }
    if (g->state() == group_state::dead) return done(join_error(error_code::coordinator_not_available, req.member_id));
    if (consumer_group* cg = g->consumer()) {
        // An empty consumer-protocol group becomes a classic one; one with
        // members takes the newcomer as a classic member (classic_in_consumer.cc).
        if (!cg->empty()) return join_consumer_group(*g, req, version, client_id, client_host, std::move(done));
        persist(g->id(), consumer_group_tombstones(*cg));
        g->make_classic();
    }

    if (!g->supports(req.protocol_type, choices_of(req))) {
        return done(join_error(error_code::inconsistent_group_protocol, req.member_id));
    }

    if (req.member_id.empty()) {
        if (req.group_instance_id) {
            if (member* known = g->find_static(*req.group_instance_id)) {
                return rejoin_static_member(*g, *known, req, version, std::move(done));
            }
        }
        return join_new_member(*g, req, version, client_id, client_host, std::move(done));
    }

    if (fenced(*g, req.member_id, req.group_instance_id)) {
        return done(join_error(error_code::fenced_instance_id, req.member_id));
    }
    member* existing = g->find(req.member_id);
    if (existing == nullptr) {
        auto pending = g->pending().find(req.member_id);
        if (pending == g->pending().end()) return done(join_error(error_code::unknown_member_id, req.member_id));
        // The second join of a KIP-394 member: it becomes a member now.
        pending_deadlines_.erase({g->id(), req.member_id});
        return join_new_member(*g, req, version, client_id, client_host, std::move(done));
    }
    join_existing_member(*g, *existing, req, std::move(done));
}

void coordinator::join_new_member(group& g, const protocol::join_group_request& req, int16_t version,
                                  const std::string& client_id, const std::string& client_host, join_callback done) {
    std::string id = req.member_id;
    if (id.empty()) {
        id = new_member_id(client_id);
        // KIP-394: a dynamic member joining with v4+ first gets its id and
        // must come back with it, so a client that dies between the two
        // calls leaves no ghost member behind.
        if (version >= 4 && !req.group_instance_id) {
            g.pending().insert(id);
            pending_deadlines_[{g.id(), id}] = now_ms() + req.session_timeout_ms;
            return done(join_error(error_code::member_id_required, id));
        }
    }
    auto m = std::make_unique<member>();
    m->id = id;
    m->instance_id = req.group_instance_id;
    m->client_id = client_id;
    m->client_host = client_host;
    m->session_timeout_ms = req.session_timeout_ms;
    m->rebalance_timeout_ms = req.rebalance_timeout_ms > 0 ? req.rebalance_timeout_ms : req.session_timeout_ms;
    m->protocol_type = req.protocol_type;
    m->protocols = choices_of(req);
    m->awaiting_join = std::move(done);
    m->is_new = true;
    m->heartbeat_deadline_ms = now_ms() + m->session_timeout_ms;
    g.add(std::move(m));
    if (g.state() == group_state::preparing_rebalance) {
        auto& timing = rebalances_[g.id()];
        if (timing.initial_delay) {
            // Kafka's initial delay: each newcomer buys the group more time,
            // up to the rebalance timeout.
            int64_t now = now_ms();
            timing.deadline_ms = std::min<int64_t>(now + settings_.initial_rebalance_delay_ms,
                                                   timing.started_ms + g.max_rebalance_timeout_ms());
        }
        maybe_complete_join(g);
    } else {
        prepare_rebalance(g, now_ms());
    }
}

void coordinator::join_existing_member(group& g, member& m, const protocol::join_group_request& req,
                                       join_callback done) {
    auto protocols = choices_of(req);
    m.session_timeout_ms = req.session_timeout_ms;
    m.rebalance_timeout_ms = req.rebalance_timeout_ms > 0 ? req.rebalance_timeout_ms : req.session_timeout_ms;
    m.heartbeat_deadline_ms = now_ms() + m.session_timeout_ms;
    switch (g.state()) {
        case group_state::preparing_rebalance:
            m.protocols = std::move(protocols);
            if (m.awaiting_join) m.awaiting_join(join_error(error_code::unknown_member_id, m.id));
            m.awaiting_join = std::move(done);
            maybe_complete_join(g);
            return;
        case group_state::completing_rebalance:
        case group_state::stable: {
            // Rejoining with unchanged protocols needs no rebalance, except
            // for a leader of a stable group (it wants fresh member metadata).
            bool leader = g.leader() && *g.leader() == m.id;
            bool completing = g.state() == group_state::completing_rebalance;
            if (m.same_protocols(protocols) && (completing || !leader)) return done(join_response(g, m));
            m.protocols = std::move(protocols);
            m.awaiting_join = std::move(done);
            prepare_rebalance(g, now_ms());
            return;
        }
        case group_state::empty:
        case group_state::dead:
            return done(join_error(error_code::unknown_member_id, m.id));
    }
}

void coordinator::rejoin_static_member(group& g, member& m, const protocol::join_group_request& req,
                                       int16_t version, join_callback done) {
    std::string new_id = new_member_id(m.client_id);
    std::string old_id = m.id;
    std::string old_leader = g.leader().value_or("");
    // The old incarnation is fenced: anything it still waits for fails.
    if (m.awaiting_join) m.awaiting_join(join_error(error_code::fenced_instance_id, m.id));
    if (m.awaiting_sync) m.awaiting_sync(sync_error(error_code::fenced_instance_id));
    m.awaiting_join = nullptr;
    m.awaiting_sync = nullptr;
    g.replace_static(m, new_id);
    member& renamed = *g.find(new_id);
    renamed.session_timeout_ms = req.session_timeout_ms;
    renamed.rebalance_timeout_ms = req.rebalance_timeout_ms > 0 ? req.rebalance_timeout_ms : req.session_timeout_ms;
    renamed.heartbeat_deadline_ms = now_ms() + renamed.session_timeout_ms;

    switch (g.state()) {
        case group_state::stable: {
            // KIP-345: a known static member coming back rebalances the group
            // only when the protocol the group would pick changes.
            renamed.protocols = choices_of(req);
            if (g.choose_protocol() != g.protocol_name()) {
                renamed.awaiting_join = std::move(done);
                prepare_rebalance(g, now_ms());
                return;
            }
            persist_group(g);
            protocol::join_group_response r = join_response(g, renamed);
            bool leader = old_leader == old_id;
            if (leader && version >= 9) {
                // KIP-814: the returning leader learns it leads, but must not
                // assign: a stable group would never hand the result out.
                r.skip_assignment = true;
            } else {
                // Older clients: naming the old leader id makes even a
                // returning leader act as a follower.
                r.leader = old_leader;
                r.members.clear();
            }
            return done(r);
        }
        case group_state::preparing_rebalance:
        case group_state::completing_rebalance:
            renamed.protocols = choices_of(req);
            renamed.awaiting_join = std::move(done);
            // The leader may already be assigning under the old id: start over.
            if (g.state() == group_state::completing_rebalance) {
                prepare_rebalance(g, now_ms());
            } else {
                maybe_complete_join(g);
            }
            return;
        case group_state::empty:
        case group_state::dead:
            return done(join_error(error_code::unknown_member_id, req.member_id));
    }
}

bool coordinator::fenced(group& g, const std::string& member_id, const std::optional<std::string>& instance_id) {
    if (!instance_id) return false;
    member* owner = g.find_static(*instance_id);
    return owner != nullptr && owner->id != member_id;
}

void coordinator::prepare_rebalance(group& g, int64_t now) {
    if (g.state() == group_state::completing_rebalance) {
        // Assignments of the generation being completed are void.
        for (auto& [id, m] : g.members()) {
            m->assignment.clear();
            if (m->awaiting_sync) {
                m->awaiting_sync(sync_error(error_code::rebalance_in_progress));
                m->awaiting_sync = nullptr;
            }
        }
    }
    bool initial = g.state() == group_state::empty && settings_.initial_rebalance_delay_ms > 0;
    g.set_state(group_state::preparing_rebalance, now);
    auto& timing = rebalances_[g.id()];
    timing.started_ms = now;
    timing.initial_delay = initial;
    timing.deadline_ms = initial ? now + std::min<int64_t>(settings_.initial_rebalance_delay_ms,
                                                           std::max(g.max_rebalance_timeout_ms(), 1))
                                 : now + g.max_rebalance_timeout_ms();
    spdlog::debug("group {} rebalancing (generation {})", g.id(), g.generation());
    maybe_complete_join(g);
}

void coordinator::maybe_complete_join(group& g) {
    if (g.state() != group_state::preparing_rebalance) return;
    auto it = rebalances_.find(g.id());
    if (it != rebalances_.end() && it->second.initial_delay) return;  // the ticker ends the delay
    if (g.all_joined()) complete_join(g);
}

void coordinator::complete_join(group& g) {
    rebalances_.erase(g.id());
    // Members that did not rejoin in time are gone.
    std::vector<std::string> missing;
    for (auto& [id, m] : g.members()) {
        if (!m->awaiting_join) missing.push_back(id);
    }
    for (const auto& id : missing) g.remove(id);

    int64_t now = now_ms();
    g.next_generation();
    if (g.empty()) {
        g.set_state(group_state::empty, now);
        persist_group(g);
        return;
    }
    g.select_protocol_and_leader();
    g.set_state(group_state::completing_rebalance, now);
    spdlog::info("group {} generation {}: {} member(s), protocol {}, leader {}", g.id(), g.generation(),
                 g.members().size(), g.protocol_name().value_or("-"), g.leader().value_or("-"));
    for (auto& [id, m] : g.members()) {
        auto respond = std::move(m->awaiting_join);
        m->awaiting_join = nullptr;
        m->is_new = false;
        m->heartbeat_deadline_ms = now + m->session_timeout_ms;
        respond(join_response(g, *m));
    }
}

protocol::join_group_response coordinator::join_response(const group& g, const member& m) const {
    protocol::join_group_response r;
    r.generation_id = g.generation();
    r.protocol_type = g.protocol_type();
    r.protocol_name = g.protocol_name().value_or("");
    r.leader = g.leader().value_or("");
    r.member_id = m.id;
    if (g.leader() && *g.leader() == m.id && g.protocol_name()) {
        for (const auto& [id, other] : g.members()) {
            protocol::join_group_response::join_group_response_member entry;
            entry.member_id = id;
            entry.group_instance_id = other->instance_id;
            if (const protocol::bytes* meta = other->metadata_for(*g.protocol_name())) entry.metadata = *meta;
            r.members.push_back(std::move(entry));
        }
    }
    return r;
}

// ---- SyncGroup ----

void coordinator::sync(const protocol::sync_group_request& req, int16_t version, sync_callback done) {
    if (error_code e = serving(req.group_id); e != error_code::none) return done(sync_error(e));
    group* g = find(req.group_id);
    if (g == nullptr || g->state() == group_state::dead) return done(sync_error(error_code::unknown_member_id));
    if (g->consumer() != nullptr) return sync_consumer_group(*g, req, std::move(done));
    if (fenced(*g, req.member_id, req.group_instance_id)) return done(sync_error(error_code::fenced_instance_id));
    member* m = g->find(req.member_id);
    if (m == nullptr) return done(sync_error(error_code::unknown_member_id));
    if (req.generation_id != g->generation()) return done(sync_error(error_code::illegal_generation));
    if (version >= 5 && ((req.protocol_type && *req.protocol_type != g->protocol_type()) ||
                         (req.protocol_name && *req.protocol_name != g->protocol_name().value_or("")))) {
        return done(sync_error(error_code::inconsistent_group_protocol));
    }
    m->heartbeat_deadline_ms = now_ms() + m->session_timeout_ms;
    switch (g->state()) {
        case group_state::preparing_rebalance:
            return done(sync_error(error_code::rebalance_in_progress));
        case group_state::stable: {
            protocol::sync_group_response r;
            r.protocol_type = g->protocol_type();
            r.protocol_name = g->protocol_name();
            r.assignment = m->assignment;
            return done(r);
        }
        case group_state::completing_rebalance:
            if (m->awaiting_sync) m->awaiting_sync(sync_error(error_code::rebalance_in_progress));
            m->awaiting_sync = std::move(done);
            if (g->leader() && *g->leader() == m->id) {
                for (auto& [id, member] : g->members()) member->assignment.clear();
                for (const auto& a : req.assignments) {
                    if (member* target = g->find(a.member_id)) target->assignment = a.assignment;
                }
                complete_sync(*g);
            }
            return;
        case group_state::empty:
        case group_state::dead:
            return done(sync_error(error_code::unknown_member_id));
    }
}

void coordinator::complete_sync(group& g) {
    // The assignment is answered only once the ISR holds the group's record,
    // as Kafka's storeGroup callback does: a member must not start on an
    // assignment a new coordinator would not know. Meanwhile the group stays
    // CompletingRebalance; a rebalance that starts first answers the waiting
    // members itself and makes this outcome stale.
    store_group(g, [this, id = g.id(), generation = g.generation()](error_code stored) {
        group* g = find(id);
        if (g == nullptr || g->generation() != generation || g->state() != group_state::completing_rebalance) return;
        if (stored != error_code::none) {
            for (auto& [member_id, m] : g->members()) {
                if (m->awaiting_sync) {
                    auto respond = std::move(m->awaiting_sync);
                    m->awaiting_sync = nullptr;
                    respond(sync_error(stored));
                }
            }
            prepare_rebalance(*g, now_ms());
            return;
        }
        g->set_state(group_state::stable, now_ms());
        for (auto& [member_id, m] : g->members()) {
            if (!m->awaiting_sync) continue;
            protocol::sync_group_response r;
            r.protocol_type = g->protocol_type();
            r.protocol_name = g->protocol_name();
            r.assignment = m->assignment;
            auto respond = std::move(m->awaiting_sync);
            m->awaiting_sync = nullptr;
            respond(r);
        }
    });
}

// ---- Heartbeat and LeaveGroup ----

error_code coordinator::heartbeat(const protocol::heartbeat_request& req) {
    if (error_code e = serving(req.group_id); e != error_code::none) return e;
    group* g = find(req.group_id);
    if (g == nullptr) return error_code::unknown_member_id;
    if (g->state() == group_state::dead) return error_code::coordinator_not_available;
    if (g->consumer() != nullptr) return heartbeat_consumer_group(*g, req);
    if (fenced(*g, req.member_id, req.group_instance_id)) return error_code::fenced_instance_id;
    member* m = g->find(req.member_id);
    if (m == nullptr) return error_code::unknown_member_id;
    if (req.generation_id != g->generation()) return error_code::illegal_generation;
    m->heartbeat_deadline_ms = now_ms() + m->session_timeout_ms;
    switch (g->state()) {
        case group_state::preparing_rebalance: return error_code::rebalance_in_progress;
        case group_state::completing_rebalance:
        case group_state::stable: return error_code::none;
        default: return error_code::unknown_member_id;
    }
}

error_code coordinator::leave(const std::string& group_id, const std::string& member_id,
                              const std::optional<std::string>& instance_id) {
    if (error_code e = serving(group_id); e != error_code::none) return e;
    group* g = find(group_id);
    if (g == nullptr || g->state() == group_state::dead) return error_code::unknown_member_id;
    if (g->consumer() != nullptr) return leave_consumer_group(*g, member_id, instance_id);
    member* m = nullptr;
    if (instance_id) {
        m = g->find_static(*instance_id);
        if (m == nullptr) return error_code::unknown_member_id;
        if (!member_id.empty() && m->id != member_id) return error_code::fenced_instance_id;
    } else {
        m = g->find(member_id);
        if (m == nullptr) {
            if (g->pending().erase(member_id) > 0) return error_code::none;
            return error_code::unknown_member_id;
        }
    }
    spdlog::debug("member {} leaves group {}", m->id, group_id);
    remove_member(*g, m->id);
    return error_code::none;
}

void coordinator::remove_member(group& g, std::string member_id) {
    member* m = g.find(member_id);
    if (m == nullptr) return;
    if (m->awaiting_join) m->awaiting_join(join_error(error_code::unknown_member_id, member_id));
    if (m->awaiting_sync) m->awaiting_sync(sync_error(error_code::unknown_member_id));
    g.remove(member_id);
    switch (g.state()) {
        case group_state::stable:
        case group_state::completing_rebalance:
            prepare_rebalance(g, now_ms());
            break;
        case group_state::preparing_rebalance:
            maybe_complete_join(g);
            break;
        default:
            break;
    }
    if (g.state() == group_state::preparing_rebalance && g.empty() && !rebalances_[g.id()].initial_delay) {
        complete_join(g);
    }
}

// ---- Timeouts ----

void coordinator::expire_sessions(group& g, int64_t now) {
    // Members neither heartbeating nor waiting on us.
    std::vector<std::string> expired;
    for (auto& [mid, m] : g.members()) {
        if (!m->awaiting_join && !m->awaiting_sync && now >= m->heartbeat_deadline_ms) expired.push_back(mid);
    }
    for (const auto& mid : expired) {
        spdlog::info("member {} of group {} expired (no heartbeat within its session timeout)", mid, g.id());
        remove_member(g, mid);
    }
}

void coordinator::tick(int64_t now) {
    std::vector<std::string> ids;
    for (const auto& [id, g] : groups_) ids.push_back(id);
    for (const auto& id : ids) {
        group* g = find(id);
        if (g == nullptr) continue;
        expire_sessions(*g, now);
        auto it = rebalances_.find(id);
        if (g->state() == group_state::preparing_rebalance && it != rebalances_.end() && now >= it->second.deadline_ms) {
            complete_join(*g);
        }
    }
    std::vector<std::string> unblocked;
    std::erase_if(pending_deadlines_, [&](const auto& kv) {
        if (now < kv.second) return false;
        if (group* g = find(kv.first.first)) {
            g->pending().erase(kv.first.second);
            unblocked.push_back(g->id());
        }
        return true;
    });
    // A rebalance that only waited for an expired pending member can finish.
    for (const auto& id : unblocked) {
        if (group* g = find(id)) maybe_complete_join(*g);
    }
    tick_consumer_groups(now);
    if (now - last_retention_check_ms_ >= settings_.retention_check_interval_ms || now < last_retention_check_ms_) {
        last_retention_check_ms_ = now;
        for (const auto& id : ids) {
            if (group* g = find(id)) expire_offsets(*g, now);
        }
    }
}

}  // namespace sluice::broker::groups

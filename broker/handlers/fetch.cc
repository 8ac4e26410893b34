// Fetch: serves file slices (sent with sendfile), with long polling
// (max_wait_ms / min_bytes) woken by appends, Kafka's response and partition
// byte limits, and incremental fetch sessions. Only a partition's leader
// serves it: consumers up to the high watermark, followers (a replica id
// >= 0) up to the log end, their fetch offsets moving the high watermark.
#include "protocol/generated/fetch.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "broker/broker.h"
#include "broker/quotas/quota_manager.h"
#include "broker/fetch/fetch_session.h"
#include "broker/fetch/fetch_waiter.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"
#include "broker/handlers/leader_hint.h"
#include "broker/handlers/offset_for_leader_epoch.h"
#include "broker/metrics/record.h"
#include "broker/topics/partition_leader.h"
#include "broker/replica/replication_throttle.h"
#include "broker/topics/topic_registry.h"
#include "log/partition_log.h"

namespace sluice::broker {

using protocol::error_code;
using protocol::to_wire;
using response_t = protocol::fetch_response;

namespace {

constexpr int32_t final_epoch = -1;

// What one fetch reads, resolved once; re-read on every wake-up.
struct fetch_plan {
    int16_t version = 0;
    int32_t max_bytes = INT32_MAX;
    int32_t min_bytes = 0;
    error_code top_error = error_code::none;
    int32_t session_id = 0;
    bool incremental = false;
    int32_t replica_id = -1;  // >= 0: a follower fetching
    std::string listener;     // the request's, for leader endpoints (KIP-951)
    bool read_committed = false;  // isolation_level 1 (v4+): stop at the last stable offset
    bool from_follower() const { return replica_id >= 0; }
    std::vector<session_partition> partitions;  // for sessionless fetches
    // With ACLs enforced: who fetches (consumers need READ on each topic),
    // and whether a follower lacks CLUSTER_ACTION (every partition refused).
    std::shared_ptr<const session> origin;
    bool follower_denied = false;
};

// Calls `f` for each partition the fetch reads, in response order: the
// session's (if it still exists: another connection may close it while this
// fetch waits), or the request's own for a sessionless fetch.
template <typename F>
void for_each_partition(broker& b, fetch_plan& plan, F&& f) {
    if (plan.session_id == 0) {
        for (auto& sp : plan.partitions) f(sp);
    } else if (fetch_session* s = b.fetch_sessions().find(plan.session_id)) {
        for (auto& sp : s->partitions) f(sp);
    }
}

size_t partition_count(broker& b, fetch_plan& plan) {
    if (plan.session_id == 0) return plan.partitions.size();
    fetch_session* s = b.fetch_sessions().find(plan.session_id);
    return s ? s->partitions.size() : 0;
}

// Calls `f(name, id, partition)` for each partition the request names, its
// topic resolved both ways: v13+ names topics by id (an unknown id leaves
// the name empty), older versions by name.
template <typename F>
void for_each_requested(broker& b, protocol::fetch_request& body, int16_t version, F&& f) {
    for (auto& t : body.topics) {
        std::string_view name = t.topic;
        protocol::uuid id = t.topic_id;
        if (version >= 13) {
            topic_state* ts = b.topics().find(id);
            name = ts ? std::string_view(ts->meta.name) : std::string_view();
        } else if (topic_state* ts = b.topics().find(name)) {
            id = ts->meta.topic_id;
        }
        for (auto& p : t.partitions) f(name, id, p);
    }
}

session_partition make_partition(std::string_view name, const protocol::uuid& id,
                                 const protocol::fetch_request::fetch_partition& p) {
    session_partition sp;
    sp.topic = std::string(name);
    sp.topic_id = id;
    sp.partition = p.partition;
    sp.fetch_offset = p.fetch_offset;
    sp.max_bytes = p.partition_max_bytes;
    sp.current_leader_epoch = p.current_leader_epoch;
    sp.last_fetched_epoch = p.last_fetched_epoch;
    return sp;
}

// Applies the request to the session cache and fills the plan.
void resolve(broker& b, protocol::fetch_request& body, int16_t version, fetch_plan& plan) {
    plan.version = version;
    // v15 moved the replica id into ReplicaState (KIP-903).
    plan.replica_id = version >= 15 ? body.replica_state.replica_id : body.replica_id;
    // As KafkaApis: the broker's fetch.max.bytes caps the request's, and
    // min_bytes never asks for more than max_bytes allows.
    plan.max_bytes = std::min(version >= 3 ? body.max_bytes : INT32_MAX, b.config().fetch_max_bytes);
    plan.min_bytes = std::min(body.min_bytes, plan.max_bytes);
    plan.read_committed = version >= 4 && body.isolation_level == 1 && plan.replica_id < 0;

    auto sessionless = [&] {
        plan.partitions.reserve(body.topics.size());
        for_each_requested(b, body, version, [&](std::string_view name, const protocol::uuid& id, const auto& p) {
            plan.partitions.push_back(make_partition(name, id, p));
        });
    };
    // A partition named again updates the one the session has, in place
    // (so it keeps its place in the response order).
    auto into_session = [&](fetch_session& s) {
        for_each_requested(b, body, version, [&](std::string_view name, const protocol::uuid& id, const auto& p) {
            session_partition* sp = s.partitions.find(name, id, p.partition);
            if (sp == nullptr) sp = &s.partitions.add(make_partition(name, id, p));
            sp->fetch_offset = p.fetch_offset;
            sp->max_bytes = p.partition_max_bytes;
            sp->current_leader_epoch = p.current_leader_epoch;
            sp->last_fetched_epoch = p.last_fetched_epoch;
        });
    };

    int32_t id = version >= 7 ? body.session_id : 0;
    int32_t epoch = version >= 7 ? body.session_epoch : final_epoch;
    if (id == 0 && epoch == final_epoch) {
        sessionless();
        return;
    }
    if (epoch == 0 || epoch == final_epoch) {
        if (id != 0) b.fetch_sessions().remove(id);
        if (epoch == final_epoch) {
            sessionless();
            return;
        }
        fetch_session& s = b.fetch_sessions().create();
        into_session(s);
        plan.session_id = s.id;
        return;
    }
    fetch_session* s = b.fetch_sessions().find(id);
    if (s == nullptr) {
        plan.top_error = error_code::fetch_session_id_not_found;
        return;
    }
    if (s->next_epoch != epoch) {
        plan.top_error = error_code::invalid_fetch_session_epoch;
        return;
    }
    s->next_epoch = epoch == INT32_MAX ? 1 : epoch + 1;
    // As FetchSession.update: adds and updates first, then forgets, so a
    // partition both named and forgotten leaves the session.
    into_session(*s);
    for (auto& f : body.forgotten_topics_data) {
        std::string_view name = f.topic;
        if (version >= 13) {
            topic_state* ts = b.topics().find(f.topic_id);
            name = ts ? std::string_view(ts->meta.name) : std::string_view();
        }
        for (int32_t p : f.partitions) s->partitions.forget(name, f.topic_id, p);
    }
    plan.session_id = s->id;
    plan.incremental = true;
}

// One partition's answer; it reaches the session only if it is sent.
struct partition_answer {
    session_partition* partition;
    response_t::partition_data data;
    partition_state* state = nullptr;  // null when the partition is unknown here (for metrics)
};

struct evaluation {
    std::vector<partition_answer> answers;  // left empty by a count-only evaluation
    size_t partitions = 0;
    size_t bytes = 0;
    size_t throttled_bytes = 0;  // of replicas under the leader's replication throttle
    bool has_error = false;
    // Without wait_for_disk: ranges whose batch headers were not in the page
    // cache. Their partitions read nothing; the answer waits for the warmer.
    std::vector<protocol::file_slice> cold;
};

// Kafka's leader replication throttle (replica/replication_throttle.h):
// whether this follower fetch's partition counts against the rate, and
// whether it gets nothing now. One topic lookup, and only while a rate is set.
struct replication_hold {
    bool counted = false;
    bool held = false;
};

replication_hold leader_replication_hold(broker& b, const fetch_plan& plan, const session_partition& sp,
                                         const partition_state& ps) {
    if (!plan.from_follower() || b.config().leader_replication_throttled_rate == INT64_MAX) return {};
    const topic_state* t = b.topics().find(sp.topic);
    if (t == nullptr || !b.replication_throttle().leader_throttles(t->settings, sp.partition)) return {};
    return {true, b.replication_throttle().leader_holds(t->settings, sp.partition, node_id(plan.replica_id),
                                                        ps.replica.isr(), now_ms())};
}

size_t non_negative(int32_t n) { return n > 0 ? static_cast<size_t>(n) : 0; }

// Whether this broker serves the partition to this fetcher: only as leader
// (consumers do not fetch from followers here), at the epoch the fetcher
// believes in, and a follower only if it is one of the replicas.
error_code serve_error(const fetch_plan& plan, const session_partition& sp, const partition_state& ps) {
    if (error_code e = ps.replica.check_leader(sp.current_leader_epoch); e != error_code::none) return e;
    if (plan.from_follower() && !ps.replica.is_replica(node_id(plan.replica_id))) {
        // Kafka's Partition.followerReplicaOrThrow: with a current leader
        // epoch (which matched ours) the (replica, epoch) pair is not known
        // yet, so the follower retries; without one, NOT_LEADER_OR_FOLLOWER.
        return sp.current_leader_epoch >= 0 ? error_code::unknown_leader_epoch : error_code::not_leader_or_follower;
    }
    return error_code::none;
}

// Kafka answers TOPIC_AUTHORIZATION_FAILED for a partition whose topic the
// consumer may not READ, and for every partition of a follower fetch without
// CLUSTER_ACTION.
error_code access_error(broker& b, const fetch_plan& plan, const session_partition& sp) {
    if (!plan.origin) return error_code::none;
    if (plan.follower_denied) return error_code::topic_authorization_failed;
    if (plan.from_follower() || sp.topic.empty()) return error_code::none;
    bool allowed = b.authorizer().authorize({plan.origin->principal, plan.origin->client_host}, acl_operation::read,
                                            security::resource_type::topic, sp.topic);
    return allowed ? error_code::none : error_code::topic_authorization_failed;
}

// KIP-320 on the fetch path (Partition.fetchRecords): a fetcher whose last
// fetched epoch ends earlier in this log than its fetch offset (or is not in
// this log at all) has diverged; it is told where that epoch ends here and
// gets no records until it has truncated.
std::optional<log::epoch_entry> divergence(const fetch_plan& plan, const session_partition& sp,
                                           const partition_state& ps) {
    if (plan.version < 12 || sp.last_fetched_epoch < 0) return std::nullopt;
    // As OffsetForLeaderEpoch: this leader's own epoch counts from its log
    // end even before a batch is written in it.
    log::epoch_entry end = leader_epoch_end(ps.log->leader_epochs(), ps.log->log_end_offset(),
                                            ps.replica.epoch().value(), sp.last_fetched_epoch);
    // An epoch newer than every one here: nothing to point back to.
    if (end.epoch < 0) return std::nullopt;
    if (end.epoch == sp.last_fetched_epoch && end.start_offset >= sp.fetch_offset) return std::nullopt;
    return end;
}

// A follower's fetch offsets are its log end offsets: recorded once per
// request, before it is read (a parked fetch's re-reads do not count).
void record_follower_fetches(broker& b, fetch_plan& plan) {
    if (!plan.from_follower() || plan.top_error != error_code::none || plan.follower_denied) return;
    int64_t now = now_ms();
    for_each_partition(b, plan, [&](session_partition& sp) {
        partition_state* ps = sp.topic.empty() ? nullptr : b.topics().find(sp.topic, sp.partition);
        if (ps == nullptr || serve_error(plan, sp, *ps) != error_code::none) return;
        if (sp.fetch_offset < ps->log->log_start_offset() || sp.fetch_offset > ps->log->log_end_offset()) return;
        on_follower_fetch(*ps, node_id(plan.replica_id), sp.fetch_offset, now);
    });
}

// Reads every partition under Kafka's byte limits (ReplicaManager.readFromLocalLog,
// KIP-74): partitions spend one response budget in order, each reading at
// most min(its partition_max_bytes, what is left), cut mid-batch if need be.
// From v3 the first partition that has data gets its first batch whole even
// past both limits, so a batch larger than them still reaches the consumer.
// Changes nothing in the session: a long poll evaluates again on every
// wake-up, and only the evaluation that is sent counts. Without
// `keep_answers` it only counts (a parked fetch's re-check), allocating
// nothing for a partition without data.
evaluation evaluate(broker& b, fetch_plan& plan, bool keep_answers, bool wait_for_disk = true) {
    evaluation ev;
    if (plan.top_error != error_code::none) {
        ev.has_error = true;
        return ev;
    }
    if (keep_answers) ev.answers.reserve(partition_count(b, plan));
    size_t budget = non_negative(plan.max_bytes);
    bool min_one_batch = plan.version >= 3;
    for_each_partition(b, plan, [&](session_partition& sp) {
        ++ev.partitions;
        response_t::partition_data out;
        out.partition_index = sp.partition;
        partition_state* ps = sp.topic.empty() ? nullptr : b.topics().find(sp.topic, sp.partition);
        if (error_code denied = access_error(b, plan, sp); denied != error_code::none) {
            out.error_code = to_wire(denied);
            out.high_watermark = -1;
        } else if (ps == nullptr) {
            out.error_code = to_wire(plan.version >= 13 && sp.topic.empty() ? error_code::unknown_topic_id
                                                                            : error_code::unknown_topic_or_partition);
            out.high_watermark = -1;
        } else if (error_code e = serve_error(plan, sp, *ps); e != error_code::none) {
            out.error_code = to_wire(e);
            out.high_watermark = -1;
            if (e == error_code::not_leader_or_follower || e == error_code::fenced_leader_epoch) {
                out.current_leader = leader_hint_of<response_t::leader_id_and_epoch>(*ps);
            }
        } else {
            log::partition_log& lg = *ps->log;
            out.high_watermark = lg.high_watermark();
            out.last_stable_offset = lg.last_stable_offset();
            out.log_start_offset = lg.log_start_offset();
            // Followers copy everything the leader has; consumers see only
            // what is committed, and read_committed ones only what no open
            // transaction may still abort.
            int64_t readable = plan.from_follower() ? lg.log_end_offset()
                               : plan.read_committed ? out.last_stable_offset
                                                     : lg.high_watermark();
            if (auto diverged = divergence(plan, sp, *ps)) {
                out.diverging_epoch.epoch = diverged->epoch;
                out.diverging_epoch.end_offset = diverged->start_offset;
                ev.has_error = true;  // answered at once, as an error would be
            } else if (sp.fetch_offset < lg.log_start_offset() || sp.fetch_offset > lg.log_end_offset()) {
                out.error_code = to_wire(error_code::offset_out_of_range);
            } else if (auto hold = leader_replication_hold(b, plan, sp, *ps); hold.held) {
                // Throttled: no records this time, as Kafka's leader answers.
            } else if (sp.fetch_offset < readable) {
                size_t limit = std::min(budget, non_negative(sp.max_bytes));
                auto read = lg.read_for_fetch(sp.fetch_offset, limit, readable, min_one_batch, wait_for_disk);
                if (read.cold) {
                    ev.cold.push_back(std::move(*read.cold));
                    return;  // evaluated again once warm: this answer is never sent
                }
                // From v3 a first batch cut by the limits is left out: it
                // comes whole once this partition is the first with data.
                // v0-2 send it cut, and the client reports it too large.
                bool left_out = read.first_batch_cut && plan.version >= 3;
                if (read.error != error_code::none) {
                    out.error_code = to_wire(read.error);
                } else if (!left_out) {
                    if (keep_answers) {
                        for (auto& s : read.slices) out.records.append_file(std::move(s));
                        // The consumer drops these transactions' records (FetchResponse.AbortedTransactions).
                        if (plan.read_committed && read.bytes > 0) {
                            auto& listed = out.aborted_transactions.emplace();
                            for (const auto& a : lg.aborted_transactions(sp.fetch_offset, readable)) {
                                listed.push_back({a.producer_id, a.first_offset, {}});
                            }
                        }
                    }
                    ev.bytes += read.bytes;
                    if (hold.counted) ev.throttled_bytes += read.bytes;
                    budget -= std::min(budget, read.bytes);
                    if (read.bytes > 0) min_one_batch = false;
                }
            }
        }
        if (out.error_code != 0) ev.has_error = true;
        if (!keep_answers) return;
        if (out.records.is_null()) out.records.append_bytes({});
        ev.answers.push_back({&sp, std::move(out), ps});
    });
    return ev;
}

// Whether to answer now rather than wait (ReplicaManager.fetchMessages):
// an error, nothing to read, or at least min_bytes readable. A min_bytes of
// zero or less is always met, so such a fetch never waits.
bool satisfied(const fetch_plan& plan, const evaluation& ev) {
    return ev.has_error || ev.partitions == 0 || plan.min_bytes <= 0 || ev.bytes >= static_cast<size_t>(plan.min_bytes);
}

// The response to send, recorded in the session: what the client now knows,
// and Kafka's fairness rule for incremental fetches (FetchSession) — the
// partitions that sent records move to the back, so the next budget goes
// first to those that got none.
response_t respond_from(broker& b, const fetch_plan& plan, evaluation& ev) {
    response_t response;
    response.session_id = plan.session_id;
    response.error_code = to_wire(plan.top_error);
    if (plan.top_error != error_code::none) {
        response.session_id = 0;
        return response;
    }
    for (auto& [sp, out, state] : ev.answers) {
        sp->sent_records = out.records.size() > 0;
        if (plan.incremental) {
            // Kafka's CachedPartition.maybeUpdateResponseData: records, a
            // moved high watermark or log start, or any error is news. An
            // error also forgets the high watermark sent, so the partition
            // is sent again once the error is gone.
            bool news = sp->sent_records || out.error_code != 0 || out.high_watermark != sp->sent_high_watermark ||
                        out.log_start_offset != sp->sent_log_start_offset;
            if (!news) continue;
            sp->sent_high_watermark = out.error_code != 0 ? -1 : out.high_watermark;
        } else {
            sp->sent_high_watermark = out.high_watermark;
        }
        sp->sent_log_start_offset = out.log_start_offset;

        auto& topics = response.responses;
        if (topics.empty() || topics.back().topic != sp->topic || topics.back().topic_id != sp->topic_id) {
            response_t::fetchable_topic_response t;
            t.topic = sp->topic;
            t.topic_id = sp->topic_id;
            topics.push_back(std::move(t));
        }
        add_node_endpoint(b, out.current_leader.leader_id, plan.listener, response.node_endpoints);
        topics.back().partitions.push_back(std::move(out));
    }
    if (plan.incremental) {
        if (fetch_session* s = b.fetch_sessions().find(plan.session_id)) s->partitions.move_served_to_back();
    }
    return response;
}

// Who is fetching, for consumer_byte_rate.
struct fetcher {
    std::shared_ptr<const session> origin;
    std::optional<std::string> client_id;
    int32_t* throttle_ms = nullptr;  // request::throttle_ms
};

// Encodes the answer. A consumer's answer counts against its
// consumer_byte_rate by its size, as Kafka counts it; over the quota, the
// throttle time goes in the answer (its first field from v1) and to the
// connection, which then mutes the client.
protocol::writer encode_answer(broker& b, const fetch_plan& plan, evaluation& ev, int16_t version,
                               const fetcher& who) {
    for (const auto& a : ev.answers) {
        if (!a.state) continue;
        metrics::record_fetch(b, *a.state, plan.from_follower(), a.data.error_code != 0, a.data.records.size());
    }
    protocol::writer w;
    respond_from(b, plan, ev).encode(w, version);
    if (ev.throttled_bytes > 0) b.replication_throttle().leader_sent(ev.throttled_bytes, now_ms());
    if (plan.from_follower() || version < 1) return w;
    const int32_t t = b.quotas().record_fetch(who.origin->principal, who.client_id, w.size(), now_ms());
    if (t > 0 && w.buffer().size() >= 4) {
        const auto u = static_cast<uint32_t>(t);
        uint8_t* p = w.buffer().data();
        p[0] = static_cast<uint8_t>(u >> 24);
        p[1] = static_cast<uint8_t>(u >> 16);
        p[2] = static_cast<uint8_t>(u >> 8);
        p[3] = static_cast<uint8_t>(u);
        if (who.throttle_ms != nullptr && t > *who.throttle_ms) *who.throttle_ms = t;
    }
    return w;
}

// A fetch waiting for data: woken by appends to its partitions or its
// deadline. It owns one waiter node per partition and links them into the
// partitions' waiter lists, so parking and waking allocate nothing per
// partition (the node array is allocated once, and again only if a session
// grows while the fetch waits).
struct pending_fetch : std::enable_shared_from_this<pending_fetch> {
    pending_fetch(broker& owner, fetch_plan p, int16_t v, fetcher f)
        : b(owner), plan(std::move(p)), version(v), who(std::move(f)), timer(owner.io()) {}

    broker& b;
    fetch_plan plan;
    int16_t version;
    fetcher who;
    boost::asio::steady_timer timer;
    respond_fn respond;
    std::unique_ptr<fetch_waiter[]> nodes;
    size_t capacity = 0;
    size_t armed = 0;
    bool done = false;

    static void on_append(void* context) {
        // Held for the call: answering may drop every other reference.
        auto self = static_cast<pending_fetch*>(context)->shared_from_this();
        self->wake(false);
    }

    void arm() {
        size_t wanted = partition_count(b, plan);
        if (wanted > capacity) {
            nodes = std::make_unique<fetch_waiter[]>(wanted);
            capacity = wanted;
            for (size_t i = 0; i < capacity; ++i) nodes[i].set_wake(&pending_fetch::on_append, this);
        }
        armed = 0;
        for_each_partition(b, plan, [&](session_partition& sp) {
            if (sp.topic.empty()) return;
            if (partition_state* ps = b.topics().find(sp.topic, sp.partition)) ps->waiters.add(nodes[armed++]);
        });
    }

    void disarm() {
        for (size_t i = 0; i < armed; ++i) nodes[i].unlink();
        armed = 0;
    }

    // Parks the fetch until data arrives or `wait_ms` passes.
    void park(int32_t wait_ms) {
        arm();
        timer.expires_after(std::chrono::milliseconds(wait_ms));
        timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (!ec) self->wake(true);
        });
    }

    // A first evaluation found batch headers not in the page cache: they are
    // read in on the page cache warmer, and the fetch is evaluated again on
    // the I/O thread. After a few rounds (data cut away and written again
    // meanwhile, or evicted at once under memory pressure) the reads may
    // wait, so the fetch always ends.
    void warm_then_answer(std::vector<protocol::file_slice> cold, int32_t wait_ms,
                          std::chrono::steady_clock::time_point started, int round) {
        b.warm_page_cache(std::move(cold), [self = shared_from_this(), wait_ms, started, round] {
            constexpr int nowait_rounds = 4;
            evaluation ev = evaluate(self->b, self->plan, true, round + 1 >= nowait_rounds);
            if (!ev.cold.empty()) {
                self->warm_then_answer(std::move(ev.cold), wait_ms, started, round + 1);
                return;
            }
            const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - started);
            const int64_t left = int64_t{wait_ms} - waited.count();
            if (satisfied(self->plan, ev) || left <= 0) {
                self->done = true;
                self->respond(encode_answer(self->b, self->plan, ev, self->version, self->who));
                return;
            }
            self->park(static_cast<int32_t>(left));
        });
    }

    void wake(bool deadline) {
        if (done) return;
        disarm();
        if (!deadline && !satisfied(plan, evaluate(b, plan, false))) {
            arm();
            return;
        }
        evaluation ev = evaluate(b, plan, true);
        done = true;
        timer.cancel();
        respond(encode_answer(b, plan, ev, version, who));
    }
};

}  // namespace

handler_result handle_fetch(broker& b, request& req) {
    protocol::fetch_request body;
    if (!decode_body(req, body)) return handler_result::close();

    fetch_plan plan;
    resolve(b, body, req.api_version, plan);
    plan.listener = req.origin->listener;
    if (b.authorizer().enabled()) {
        plan.origin = req.origin;
        plan.follower_denied = plan.from_follower() && !cluster_authorized(b, req, acl_operation::cluster_action);
    }
    record_follower_fetches(b, plan);
    // The first evaluation reads batch headers only from the page cache, so
    // a consumer of cold data does not stall the I/O thread (and every other
    // client) on the disk.
    evaluation ev = evaluate(b, plan, true, /*wait_for_disk=*/false);
    fetcher who{req.origin, req.client_id, req.throttle_ms};
    if (!ev.cold.empty()) {
        auto pending = std::make_shared<pending_fetch>(b, std::move(plan), req.api_version, std::move(who));
        return handler_result::later([pending, wait_ms = body.max_wait_ms, cold = std::move(ev.cold)](
                                         respond_fn respond) mutable {
            pending->respond = std::move(respond);
            pending->warm_then_answer(std::move(cold), wait_ms, std::chrono::steady_clock::now(), 0);
        });
    }
    if (satisfied(plan, ev) || body.max_wait_ms <= 0) {
        handler_result now;
        now.body = encode_answer(b, plan, ev, req.api_version, who);
        return now;
    }

    auto pending = std::make_shared<pending_fetch>(b, std::move(plan), req.api_version, std::move(who));
    int32_t wait_ms = body.max_wait_ms;
    return handler_result::later([pending, wait_ms](respond_fn respond) {
        pending->respond = std::move(respond);
        pending->park(wait_ms);
    });
}

}  // namespace sluice::broker

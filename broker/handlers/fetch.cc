// Fetch: serves file slices (sent with sendfile), with long polling
// (max_wait_ms / min_bytes) woken by appends, Kafka's response and partition
// byte limits, and incremental fetch sessions.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>

#include "broker/broker.h"
#include "broker/fetch/fetch_session.h"
#include "broker/handlers/handlers.h"
#include "broker/topics/topic_registry.h"
#include "log/partition_log.h"
#include "protocol/generated/fetch.h"

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
    std::vector<session_partition> partitions;  // for sessionless fetches
};

std::vector<session_partition>& partitions_of(broker& b, fetch_plan& plan) {
    if (plan.session_id != 0) {
        if (fetch_session* s = b.fetch_sessions().find(plan.session_id)) return s->partitions;
    }
    return plan.partitions;
}

// Applies the request to the session cache and fills the plan.
void resolve(broker& b, protocol::fetch_request& body, int16_t version, fetch_plan& plan) {
    plan.version = version;
    // As KafkaApis: the broker's fetch.max.bytes caps the request's, and
    // min_bytes never asks for more than max_bytes allows.
    plan.max_bytes = std::min(version >= 3 ? body.max_bytes : INT32_MAX, b.config().fetch_max_bytes);
    plan.min_bytes = std::min(body.min_bytes, plan.max_bytes);

    auto wanted = [&](std::vector<session_partition>& into, bool update_existing, fetch_session* session) {
        for (auto& t : body.topics) {
            std::string name = t.topic;
            protocol::uuid id = t.topic_id;
            if (version >= 13) {
                topic_state* ts = b.topics().find(id);
                name = ts ? ts->meta.name : std::string();
            } else if (topic_state* ts = b.topics().find(name)) {
                id = ts->meta.topic_id;
            }
            for (auto& p : t.partitions) {
                session_partition* existing = update_existing && session ? session->find(name, p.partition) : nullptr;
                if (existing != nullptr && (!name.empty() || existing->topic_id == id)) {
                    existing->fetch_offset = p.fetch_offset;
                    existing->max_bytes = p.partition_max_bytes;
                    continue;
                }
                session_partition sp;
                sp.topic = name;
                sp.topic_id = id;
                sp.partition = p.partition;
                sp.fetch_offset = p.fetch_offset;
                sp.max_bytes = p.partition_max_bytes;
                into.push_back(std::move(sp));
            }
        }
    };

    int32_t id = version >= 7 ? body.session_id : 0;
    int32_t epoch = version >= 7 ? body.session_epoch : final_epoch;
    if (id == 0 && epoch == final_epoch) {
        wanted(plan.partitions, false, nullptr);
        return;
    }
    if (epoch == 0 || epoch == final_epoch) {
        if (id != 0) b.fetch_sessions().remove(id);
        if (epoch == final_epoch) {
            wanted(plan.partitions, false, nullptr);
            return;
        }
        fetch_session& s = b.fetch_sessions().create();
        wanted(s.partitions, false, nullptr);
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
    for (auto& f : body.forgotten_topics_data) {
        std::string name = f.topic;
        if (version >= 13) {
            topic_state* ts = b.topics().find(f.topic_id);
            name = ts ? ts->meta.name : std::string();
        }
        for (int32_t p : f.partitions) s->forget(name, p);
    }
    std::vector<session_partition> added;
    wanted(added, true, s);
    for (auto& a : added) s->partitions.push_back(std::move(a));
    plan.session_id = s->id;
    plan.incremental = true;
}

// One partition's answer; it reaches the session only if it is sent.
struct partition_answer {
    session_partition* partition;
    response_t::partition_data data;
};

struct evaluation {
    std::vector<partition_answer> answers;
    size_t bytes = 0;
    bool has_error = false;
};

size_t non_negative(int32_t n) { return n > 0 ? static_cast<size_t>(n) : 0; }

// Reads every partition under Kafka's byte limits (ReplicaManager.readFromLocalLog,
// KIP-74): partitions spend one response budget in order, each reading at
// most min(its partition_max_bytes, what is left), cut mid-batch if need be.
// From v3 the first partition that has data gets its first batch whole even
// past both limits, so a batch larger than them still reaches the consumer.
// Changes nothing in the session: a long poll evaluates again on every
// wake-up, and only the evaluation that is sent counts.
evaluation evaluate(broker& b, fetch_plan& plan) {
    evaluation ev;
    if (plan.top_error != error_code::none) {
        ev.has_error = true;
        return ev;
    }
    size_t budget = non_negative(plan.max_bytes);
    bool min_one_batch = plan.version >= 3;
    for (auto& sp : partitions_of(b, plan)) {
        response_t::partition_data out;
        out.partition_index = sp.partition;
        partition_state* ps = sp.topic.empty() ? nullptr : b.topics().find(sp.topic, sp.partition);
        if (ps == nullptr) {
            out.error_code = to_wire(plan.version >= 13 && sp.topic.empty() ? error_code::unknown_topic_id
                                                                            : error_code::unknown_topic_or_partition);
            out.high_watermark = -1;
        } else {
            log::partition_log& lg = *ps->log;
            out.high_watermark = lg.high_watermark();
            out.last_stable_offset = lg.high_watermark();
            out.log_start_offset = lg.log_start_offset();
            if (sp.fetch_offset < lg.log_start_offset() || sp.fetch_offset > lg.log_end_offset()) {
                out.error_code = to_wire(error_code::offset_out_of_range);
            } else if (sp.fetch_offset < lg.high_watermark()) {
                size_t limit = std::min(budget, non_negative(sp.max_bytes));
                auto read = lg.read_for_fetch(sp.fetch_offset, limit, lg.high_watermark(), min_one_batch);
                // From v3 a first batch cut by the limits is left out: it
                // comes whole once this partition is the first with data.
                // v0-2 send it cut, and the client reports it too large.
                bool left_out = read.first_batch_cut && plan.version >= 3;
                if (read.error != error_code::none) {
                    out.error_code = to_wire(read.error);
                } else if (!left_out) {
                    for (auto& s : read.slices) out.records.append_file(std::move(s));
                    ev.bytes += read.bytes;
                    budget -= std::min(budget, read.bytes);
                    if (read.bytes > 0) min_one_batch = false;
                }
            }
        }
        if (out.records.is_null()) out.records.append_bytes({});
        if (out.error_code != 0) ev.has_error = true;
        ev.answers.push_back({&sp, std::move(out)});
    }
    return ev;
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
    for (auto& [sp, out] : ev.answers) {
        sp->sent_records = out.records.size() > 0;
        bool news = !plan.incremental || sp->sent_records || out.error_code != sp->sent_error ||
                    out.high_watermark != sp->sent_high_watermark || out.log_start_offset != sp->sent_log_start_offset;
        if (!news) continue;
        sp->sent_error = out.error_code;
        sp->sent_high_watermark = out.high_watermark;
        sp->sent_log_start_offset = out.log_start_offset;

        auto& topics = response.responses;
        if (topics.empty() || topics.back().topic != sp->topic || topics.back().topic_id != sp->topic_id) {
            response_t::fetchable_topic_response t;
            t.topic = sp->topic;
            t.topic_id = sp->topic_id;
            topics.push_back(std::move(t));
        }
        topics.back().partitions.push_back(std::move(out));
    }
    if (plan.incremental) {
        if (fetch_session* s = b.fetch_sessions().find(plan.session_id)) s->move_served_to_back();
    }
    return response;
}

// A fetch waiting for data: woken by appends to its partitions or its deadline.
struct pending_fetch : std::enable_shared_from_this<pending_fetch> {
    pending_fetch(broker& owner, fetch_plan p, int16_t v)
        : b(owner), plan(std::move(p)), version(v), timer(owner.io()) {}

    broker& b;
    fetch_plan plan;
    int16_t version;
    boost::asio::steady_timer timer;
    respond_fn respond;
    std::vector<std::tuple<std::string, int32_t, uint64_t>> waiters;
    bool done = false;

    void arm() {
        std::weak_ptr<pending_fetch> weak = weak_from_this();
        for (auto& sp : partitions_of(b, plan)) {
            if (partition_state* ps = b.topics().find(sp.topic, sp.partition)) {
                uint64_t id = ps->add_waiter([weak] {
                    if (auto self = weak.lock()) self->wake(false);
                });
                waiters.emplace_back(sp.topic, sp.partition, id);
            }
        }
    }

    void disarm() {
        for (auto& [topic, partition, id] : waiters) {
            if (partition_state* ps = b.topics().find(topic, partition)) ps->remove_waiter(id);
        }
        waiters.clear();
    }

    void wake(bool deadline) {
        if (done) return;
        disarm();
        evaluation ev = evaluate(b, plan);
        if (!deadline && !ev.has_error && ev.bytes < static_cast<size_t>(std::max(plan.min_bytes, 1))) {
            arm();
            return;
        }
        done = true;
        timer.cancel();
        protocol::writer w;
        respond_from(b, plan, ev).encode(w, version);
        respond(std::move(w));
    }
};

}  // namespace

handler_result handle_fetch(broker& b, request& req) {
    protocol::fetch_request body;
    if (!decode_body(req, body)) return handler_result::close();

    fetch_plan plan;
    resolve(b, body, req.api_version, plan);
    evaluation ev = evaluate(b, plan);
    bool satisfied = ev.has_error || ev.bytes >= static_cast<size_t>(std::max(plan.min_bytes, 1));
    if (satisfied || body.max_wait_ms <= 0) return respond_with(req, respond_from(b, plan, ev));

    auto pending = std::make_shared<pending_fetch>(b, std::move(plan), req.api_version);
    int32_t wait_ms = body.max_wait_ms;
    return handler_result::later([pending, wait_ms](respond_fn respond) {
        pending->respond = std::move(respond);
        pending->arm();
        pending->timer.expires_after(std::chrono::milliseconds(wait_ms));
        pending->timer.async_wait([pending](boost::system::error_code ec) {
            if (!ec) pending->wake(true);
        });
    });
}

}  // namespace sluice::broker

#include "broker/schema_registry/registry_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>

#include "broker/broker.h"
#include "broker/http/http_server.h"
#include "broker/schema_registry/forwarder.h"
#include "broker/schema_registry/rest.h"
#include "broker/schema_registry/schemas_apply.h"
#include "broker/topics/commit_wait.h"
#include "broker/topics/partition_leader.h"
#include "broker/topics/partition_ref.h"
#include "broker/topics/topic_registry.h"
#include "log/file_util.h"
#include "log/partition_log.h"
#include "protocol/record_batch.h"
#include "replication/metadata_store.h"

namespace sluice::broker::schema_registry {

namespace {

constexpr size_t read_chunk_bytes = size_t{1} << 20;
constexpr int16_t wanted_replication = 3;

}  // namespace

registry_service::registry_service(broker& b, const std::vector<listener>& listeners,
                                   std::chrono::milliseconds request_timeout, bool basic_auth)
    : b_(b), topic_timer_(b.io()) {
    if (basic_auth) auth_ = std::make_unique<basic_authenticator>(b_);
    catch_up();
    remote_ = std::make_unique<remote_reader>(b_, state_, next_offset_);
    remote_->start();
    http::routes routes;
    routes.any = [this](std::string_view method, std::string_view target, std::string_view type,
                        std::string_view authorization, std::string body, http::routes::reply_fn reply) {
        handle(method, target, type, authorization, std::move(body), std::move(reply));
    };
    http_ = std::make_unique<http::http_server>(
        b_.io(), listeners, std::move(routes), request_timeout,
        http::server_options{"schema.registry.listeners", "Schema registry", body_limit});
    spdlog::info("schema registry: {} subject(s), {} schema(s) from {}", state_.subjects().size(),
                 state_.schemas().size(), schemas_topic_name);
}

registry_service::~registry_service() { stop(); }

void registry_service::stop() {
    *alive_ = false;
    topic_timer_.cancel();
    if (remote_) remote_->stop();
    if (http_) http_->stop();
}

uint16_t registry_service::bound_port() const { return http_ ? http_->bound_port() : 0; }

void registry_service::catch_up() {
    partition_state* p = b_.topics().find(schemas_topic_name, 0);
    if (p == nullptr) return;
    next_offset_ = std::max(next_offset_, p->log->log_start_offset());
    const int64_t end = p->log->high_watermark();
    protocol::bytes buffer;
    while (next_offset_ < end) {
        auto result = p->log->read(next_offset_, read_chunk_bytes, end, true);
        if (result.error != protocol::error_code::none || result.slices.empty()) break;
        buffer.resize(result.bytes);
        size_t at = 0;
        for (const auto& s : result.slices) {
            if (at + s.length > buffer.size() ||
                log::file_util::pread_full(s.fd, buffer.data() + at, s.length, s.offset) !=
                    static_cast<int64_t>(s.length)) {
                spdlog::warn("{}: read at {} failed", schemas_topic_name, next_offset_);
                return;
            }
            at += s.length;
        }
        // No whole batch: wait for more.
        if (!apply_schemas_batches(state_, buffer, end, next_offset_)) break;
    }
}

bool registry_service::reads_remotely() const { return remote_ && remote_->active(); }

bool registry_service::may_catch_up() const {
    if (reads_remotely()) return true;
    const partition_state* p = b_.topics().find(schemas_topic_name, 0);
    return p != nullptr && p->log->high_watermark() < p->log->log_end_offset();
}

void registry_service::after_catch_up(std::chrono::milliseconds bound, std::function<void()> done) {
    if (reads_remotely()) return remote_->after_fresh_fetch(bound, std::move(done));
    const partition_state* p = b_.topics().find(schemas_topic_name, 0);
    if (p == nullptr) return boost::asio::post(b_.io(), std::move(done));
    await_local_commit(p->log->log_end_offset(), std::chrono::steady_clock::now() + bound,
                       std::make_shared<std::function<void()>>(std::move(done)));
}

void registry_service::await_local_commit(int64_t target, std::chrono::steady_clock::time_point deadline,
                                          std::shared_ptr<std::function<void()>> done) {
    // A rare path (an id that missed on a follower of `_schemas`), bounded:
    // a short timer rather than a hook into the replica fetcher.
    constexpr auto recheck = std::chrono::milliseconds(10);
    auto timer = std::make_shared<boost::asio::steady_timer>(b_.io(), recheck);
    timer->async_wait([this, timer, target, deadline, done, alive = std::weak_ptr<bool>(alive_)](
                          boost::system::error_code) {
        if (alive.expired() || !*alive.lock()) return (*done)();
        const partition_state* p = b_.topics().find(schemas_topic_name, 0);
        if (p == nullptr || p->log->high_watermark() >= target || std::chrono::steady_clock::now() >= deadline) {
            return (*done)();
        }
        await_local_commit(target, deadline, done);
    });
}

void registry_service::handle(std::string_view method, std::string_view target, std::string_view type,
                              std::string_view authorization, std::string body, http::routes::reply_fn reply) {
    if (!auth_) return serve(method, target, type, {}, std::move(body), std::move(reply));
    // Confluent's answer to a request without good credentials.
    auto refuse = [](const http::routes::reply_fn& reply) {
        http::answer a = error_answer(errc::unauthorized, "Unauthorized");
        a.www_authenticate = "Basic realm=\"SchemaRegistry\"";
        reply(std::move(a));
    };
    auth_->check(authorization,
                 [this, alive = std::weak_ptr<bool>(alive_), method = std::string(method), target = std::string(target),
                  type = std::string(type), authorization = std::string(authorization), body = std::move(body),
                  reply = std::move(reply), refuse](bool ok) mutable {
                     if (alive.expired() || !*alive.lock()) return;
                     if (!ok) return refuse(reply);
                     serve(method, target, type, std::move(authorization), std::move(body), std::move(reply));
                 });
}

void registry_service::serve(std::string_view method, std::string_view target, std::string_view type,
                             std::string authorization, std::string body, http::routes::reply_fn reply) {
    if ((method == "POST" || method == "PUT") && !accepted_content_type(type)) {
        return reply(error_answer(errc::unsupported_media_type, "HTTP 415 Unsupported Media Type"));
    }
    std::string copy = body;
    routed r = route(method, target, std::move(body));
    if (!r.write) {
        catch_up();
        if (reads_remotely() && !remote_->caught_up()) {
            // Just started (or the leader moved): the state is not what the
            // leader has committed yet, so the read waits for the reader to
            // catch up rather than answer from less (bounded).
            return read_when_caught_up(
                std::move(r.run), std::move(reply),
                std::chrono::steady_clock::now() + std::chrono::milliseconds(fresh_fetch_wait_ms));
        }
        return reply(r.run(state_).reply);
    }
    writes_.push_back({std::move(r.run), std::move(reply), std::string(method), std::string(target), std::move(copy),
                       std::move(authorization)});
    if (!writing_) next_write();
}

void registry_service::read_when_caught_up(planner run, http::routes::reply_fn reply,
                                           std::chrono::steady_clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    remote_->after_fresh_fetch(
        std::max(left, std::chrono::milliseconds(0)), [this, alive = std::weak_ptr<bool>(alive_), run = std::move(run),
                                                       reply = std::move(reply), deadline]() mutable {
            if (alive.expired() || !*alive.lock()) return;
            if (reads_remotely() && !remote_->caught_up() && std::chrono::steady_clock::now() < deadline) {
                return read_when_caught_up(std::move(run), std::move(reply), deadline);
            }
            reply(run(state_).reply);
        });
}

void registry_service::next_write() {
    if (writes_.empty() || !*alive_) {
        writing_ = false;
        return;
    }
    writing_ = true;
    run_write();
}

void registry_service::finish_write(http::answer a) {
    auto w = std::move(writes_.front());
    writes_.pop_front();
    w.reply(std::move(a));
    next_write();
}

bool registry_service::ensure_topic() {
    if (b_.topics().find(schemas_topic_name) != nullptr) return true;
    // One partition (a single order of writes), compacted, replicated as
    // far as the brokers alive allow, as Confluent's kafkastore topic.
    const auto live = static_cast<int16_t>(std::max<size_t>(1, b_.metadata().live_brokers().size()));
    topic_config configs{{"cleanup.policy", "compact"}};
    b_.topics().create(std::string(schemas_topic_name), 1, std::min(wanted_replication, live), configs, false,
                       [](op_result result) {
                           if (!result.ok() && result.code != protocol::error_code::topic_already_exists) {
                               spdlog::error("cannot create {}: {}", schemas_topic_name, result.message);
                           }
                       });
    return b_.topics().find(schemas_topic_name) != nullptr;
}

void registry_service::forward_to_leader(std::optional<node_id> leader) {
    auto refuse = [this, leader](const std::string& why) {
        finish_write(error_answer(
            errc::forwarding_error,
            "Error while forwarding the request to the leader of " + std::string(schemas_topic_name) + " (broker " +
                (leader ? std::to_string(leader->value()) : std::string("none yet")) + "): " + why));
    };
    auto t = parse_target(writes_.front().target);
    if (t && t->flag(forwarded_parameter)) return refuse("this broker does not lead it either");
    if (!leader) {
        return finish_write(
            error_answer(errc::unknown_leader, "Unknown leader of " + std::string(schemas_topic_name) + "; retry"));
    }
    const replication::broker_endpoint* at = nullptr;
    auto brokers = b_.metadata().live_brokers();
    for (const auto& n : brokers) {
        if (n.id != *leader) continue;
        for (const auto& e : n.endpoints) {
            if (e.listener == registry_endpoint_name) at = &e;
        }
    }
    if (at == nullptr) return refuse("it advertises no schema registry");
    auto& w = writes_.front();
    forward(b_.io(), at->host, static_cast<uint16_t>(at->port), w.method, w.target, w.body, w.authorization,
            std::chrono::milliseconds(commit_timeout_ms),
            [this, alive = std::weak_ptr<bool>(alive_), refuse](std::optional<http::answer> a) mutable {
                if (alive.expired() || !*alive.lock()) return;
                if (!a) return refuse("no answer");
                if (a->status >= 300 || !remote_->active()) return finish_write(std::move(*a));
                // Read your write: answered once this broker's state shows it.
                auto answer = std::make_shared<http::answer>(std::move(*a));
                remote_->after_fresh_fetch(std::chrono::milliseconds(fresh_fetch_wait_ms), [this, alive, answer] {
                    if (alive.expired() || !*alive.lock()) return;
                    finish_write(std::move(*answer));
                });
            });
}

void registry_service::run_write() {
    // A cluster's store creates the topic, and elects its leader, a little
    // later: the write waits for both (within the commit timeout) rather
    // than failing the first one.
    const bool created = ensure_topic();
    topic_state* topic = created ? b_.topics().find(schemas_topic_name) : nullptr;
    partition_state* p = topic != nullptr ? topic->partitions.front().get() : nullptr;
    if (p == nullptr || (p->replica.leader() == nullptr && !p->replica.leader_id())) {
        if (topic_waits_++ * topic_wait_ms >= commit_timeout_ms) {
            topic_waits_ = 0;
            return finish_write(p == nullptr ? error_answer(errc::store_error, "The schemas topic could not be created")
                                             : error_answer(errc::unknown_leader,
                                                            "Unknown leader of " + std::string(schemas_topic_name)));
        }
        topic_timer_.expires_after(std::chrono::milliseconds(topic_wait_ms));
        return topic_timer_.async_wait([this, alive = std::weak_ptr<bool>(alive_)](boost::system::error_code ec) {
            if (!ec && !alive.expired() && *alive.lock()) run_write();
        });
    }
    topic_waits_ = 0;
    const replication::leader_state* leader = p->replica.leader();
    if (leader == nullptr) return forward_to_leader(p->replica.leader_id());
    auto alive = std::weak_ptr<bool>(alive_);
    const auto ref = ref_of(std::string(schemas_topic_name), *p);
    // Everything already in the log counts (a new leader's tail), so wait
    // until it is committed before planning against it.
    if (p->log->high_watermark() < p->log->log_end_offset()) {
        return await_commit(
            b_, ref, p->log->log_end_offset(), commit_timeout_ms, [this, alive](commit_outcome outcome) {
                if (alive.expired() || !*alive.lock()) return;
                if (outcome == commit_outcome::committed) return run_write();
                finish_write(
                    error_answer(errc::operation_timeout, "Timed out waiting for the schemas topic to catch up"));
            });
    }
    catch_up();
    plan planned = writes_.front().run(state_);
    if (planned.records.empty()) return finish_write(std::move(planned.reply));
    if (static_cast<int32_t>(leader->isr().size()) < topic->settings.min_insync_replicas) {
        return finish_write(error_answer(errc::store_error, "Not enough in-sync replicas of the schemas topic"));
    }
    const int64_t now = now_ms();
    std::vector<protocol::record> records;
    for (auto& r : planned.records) {
        protocol::record out;
        out.offset = static_cast<int64_t>(records.size());
        out.timestamp = now;
        out.key = protocol::bytes(r.key.begin(), r.key.end());
        if (r.value) out.value = protocol::bytes(r.value->begin(), r.value->end());
        records.push_back(std::move(out));
    }
    protocol::bytes batch = protocol::build_batch(records, {});
    log::append_result appended = p->log->append(std::span<uint8_t>(batch), p->replica.epoch().value(), now);
    if (appended.error != protocol::error_code::none) {
        spdlog::error("writing to {} failed: {}", schemas_topic_name, protocol::error_name(appended.error));
        return finish_write(error_answer(errc::store_error, "Error in the backend data store: " +
                                                                std::string(protocol::error_name(appended.error))));
    }
    on_leader_append(*p);
    b_.flush_if_due(std::string(schemas_topic_name), 0);
    auto reply = std::make_shared<http::answer>(std::move(planned.reply));
    await_commit(b_, ref, p->log->log_end_offset(), commit_timeout_ms, [this, alive, reply](commit_outcome outcome) {
        if (alive.expired() || !*alive.lock()) return;
        if (outcome == commit_outcome::committed) {
            catch_up();
            return finish_write(std::move(*reply));
        }
        finish_write(outcome == commit_outcome::timed_out
                         ? error_answer(errc::operation_timeout, "Timed out waiting for the schemas topic")
                         : error_answer(errc::store_error, "The write to the schemas topic was not committed"));
    });
}

}  // namespace sluice::broker::schema_registry

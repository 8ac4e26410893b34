#include "broker/http/key_writes.h"

#include <boost/json/object.hpp>

#include "broker/broker.h"
#include "broker/handlers/produce_conform.h"
#include "broker/http/console/api_support.h"
#include "broker/http/key_records.h"
#include "broker/topics/commit_wait.h"
#include "broker/topics/partition_leader.h"
#include "broker/topics/partition_ref.h"
#include "broker/topics/topic_registry.h"
#include "log/key_conditions.h"
#include "log/partition_log.h"
#include "protocol/record_batch.h"

namespace sluice::broker::http {

namespace json = boost::json;
using console::api_error;
using protocol::error_code;

namespace {

answer bad_request(std::string_view why) { return api_error(400, error_code::invalid_request, why); }

protocol::bytes to_bytes(std::string_view s) { return protocol::bytes(s.begin(), s.end()); }

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

}  // namespace

std::variant<key_write_request, answer> parse_key_write(std::string_view target,
                                                        std::optional<std::string_view> if_match) {
    auto path = parse_key_path(target);
    if (auto* refused = std::get_if<answer>(&path)) return std::move(*refused);
    auto& p = std::get<key_path>(path);
    key_write_request r;
    r.topic = std::move(p.topic);
    r.key = std::move(p.key);
    r.partition = p.partition;
    for (const auto& [name, value] : p.query) {
        if (name.starts_with("header.") && name.size() > 7) {
            r.headers.emplace_back(name.substr(7), value);
        } else {
            return bad_request("unknown parameter " + name);
        }
    }
    if (if_match) {
        std::string_view v = trimmed(*if_match);
        // An entity tag is quoted; a bare number is accepted too.
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
        auto offset =
            log::parse_expected_offset(protocol::bytes_view(reinterpret_cast<const uint8_t*>(v.data()), v.size()));
        if (!offset) return bad_request("If-Match must be the key's expected latest offset, or -1 for none");
        r.expected_offset = *offset;
    }
    return r;
}

namespace {

answer created(const key_write_request& q, int32_t partition, int64_t offset) {
    json::object out;
    out["topic"] = q.topic;
    out["partition"] = partition;
    out["offset"] = offset;
    return console::json_answer(201, out);
}

answer refused(const log::key_condition_verdict& verdict) {
    if (verdict.errors.empty()) return api_error(verdict.code, "Reading the key index failed.");
    const log::key_condition_error& e = verdict.errors.front();
    if (!e.conflict) return api_error(400, error_code::invalid_record, e.message);
    json::object out;
    out["error"] = protocol::error_name(error_code::invalid_record);
    out["message"] = e.message;
    out["expected_offset"] = e.expected;
    out["latest_offset"] = e.latest;
    return console::json_answer(412, out);
}

}  // namespace

void serve_key_write(broker& b, std::string_view target, std::optional<std::string_view> if_match, std::string body,
                     routes::reply_fn reply) {
    auto parsed = parse_key_write(target, if_match);
    if (auto* refusal = std::get_if<answer>(&parsed)) return reply(std::move(*refusal));
    key_write_request q = std::move(std::get<key_write_request>(parsed));

    // The listener has no authentication: the console's switch for "no
    // changes through HTTP" holds for appends too.
    if (b.config().http_console_read_only) {
        return reply(api_error(403, error_code::cluster_authorization_failed,
                               "http.console.read.only is true: no appends over HTTP."));
    }
    auto found = find_key_partition(b, q.topic, q.key, q.partition);
    if (auto* refused = std::get_if<answer>(&found)) return reply(std::move(*refused));
    topic_state* topic = std::get<key_partition>(found).topic;
    const int32_t partition = std::get<key_partition>(found).index;
    const std::string name = q.topic + "-" + std::to_string(partition);
    partition_state& p = *std::get<key_partition>(found).state;
    if (p.log == nullptr || !p.replica.is_leader()) {
        return reply(api_error(error_code::not_leader_or_follower,
                               "Broker " + std::to_string(b.config().node_id) + " is not the leader of " + name + "."));
    }
    if (static_cast<int32_t>(p.replica.leader()->isr().size()) < topic->settings.min_insync_replicas) {
        return reply(api_error(error_code::not_enough_replicas,
                               "The in-sync replicas of " + name + " are fewer than min.insync.replicas."));
    }

    protocol::record record;
    record.timestamp = now_ms();
    record.key = to_bytes(q.key);
    record.value = to_bytes(body);
    if (q.expected_offset) {
        record.headers.emplace_back(std::string(log::expected_offset_header),
                                    to_bytes(std::to_string(*q.expected_offset)));
    }
    for (const auto& [h, v] : q.headers)
        record.headers.emplace_back(h, to_bytes(v));
    // Stored in the topic's compression.type, as Kafka stores a producer's batch.
    protocol::batch_builder_options options;
    options.codec = topic_codec(topic->settings).value_or(protocol::compression::none);
    protocol::bytes batch = protocol::build_batch({record}, options);
    if (batch.size() > static_cast<size_t>(topic->settings.max_message_bytes)) {
        return reply(api_error(error_code::message_too_large, "The record is larger than max.message.bytes."));
    }

    // The check and the append with nothing in between (log/key_conditions.h).
    log::key_condition_verdict verdict = log::check_key_conditions(batch, *p.log);
    if (!verdict.ok()) return reply(refused(verdict));
    log::append_result appended = p.log->append(batch, p.replica.epoch().value(), now_ms());
    if (appended.error != error_code::none) return reply(api_error(appended.error, "Appending failed."));
    on_leader_append(p);
    b.flush_if_due(q.topic, partition);

    const int64_t offset = appended.base_offset;
    partition_ref ref = ref_of(q.topic, p);  // before `q` moves into the callback
    await_commit(b, std::move(ref), offset + 1, b.config().http_request_timeout_ms,
                 [q = std::move(q), partition, offset, reply = std::move(reply)](commit_outcome outcome) {
                     if (outcome == commit_outcome::committed) return reply(created(q, partition, offset));
                     const error_code e = acks_all_error(outcome);
                     json::object out;
                     out["error"] = protocol::error_name(e);
                     out["message"] = "Appended at offset " + std::to_string(offset) + " but not committed.";
                     out["offset"] = offset;
                     reply(console::json_answer(console::http_status_of(e), out));
                 });
}

}  // namespace sluice::broker::http

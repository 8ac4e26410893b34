// Produce: validate each partition's record batches, then append them to the
// log exactly as received (offsets and leader epoch rewritten in place).
// Only a partition's leader appends; acks=all answers once the ISR has the
// records (handlers/produce_acks.h).
#include "protocol/generated/produce.h"

#include <spdlog/spdlog.h>

#include <optional>
#include <string>
#include <vector>

#include "broker/broker.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"
#include "broker/handlers/leader_hint.h"
#include "broker/handlers/produce_acks.h"
#include "broker/topics/partition_leader.h"
#include "broker/topics/topic_registry.h"
#include "log/partition_log.h"
#include "protocol/record_batch.h"
#include "protocol/record_keys.h"

namespace sluice::broker {

using protocol::error_code;
using protocol::to_wire;
using response_t = protocol::produce_response;

namespace {

// Why a partition's records were refused: the error, and for records that
// break a per-record rule (KIP-467, Produce v8+) which ones and why.
struct refusal {
    error_code code = error_code::none;
    std::vector<response_t::batch_index_and_error_message> record_errors;
    std::optional<std::string> message;
};

// A compacted topic keeps the latest value per key: a record without a key
// could never be compacted, so Kafka refuses it, naming each such record.
refusal refuse_keyless(const std::vector<int32_t>& keyless, const std::string& topic, int32_t partition) {
    refusal out{error_code::invalid_record, {}, {}};
    std::string shown;
    for (int32_t index : keyless) {
        std::string why = fmt::format("Compacted topic cannot accept message without key in topic partition {}-{}.",
                                      topic, partition);
        if (out.record_errors.size() < 3) {
            shown += fmt::format("{}RecordError(batchIndex={}, message='{}')", shown.empty() ? "" : ", ", index, why);
        }
        out.record_errors.push_back({index, std::move(why), {}});
    }
    out.message = fmt::format(
        "One or more records have been rejected due to {} record errors in total, and only showing the first three "
        "errors at most: [{}]",
        keyless.size(), shown);
    return out;
}

// Checks every batch of one partition's records; code none if all may be appended.
refusal validate_records(std::span<uint8_t> records, const topic_settings& settings, const std::string& topic,
                         int32_t partition, int16_t version, bool transactional) {
    if (records.empty()) return {error_code::invalid_record, {}, {}};
    protocol::batch_iterator it(protocol::bytes_view(records.data(), records.size()));
    std::vector<int32_t> keyless;
    while (auto batch = it.next()) {
        auto header = protocol::read_batch_header(*batch);
        if (!header) return {error_code::corrupt_message, {}, {}};
        if (header->magic != protocol::current_magic) return {error_code::unsupported_for_message_format, {}, {}};
        // KIP-110: zstd came with Produce v7; an older request cannot carry it.
        if (header->codec() == protocol::compression::zstd && version < 7) {
            return {error_code::unsupported_compression_type, {}, {}};
        }
        if (batch->size() > static_cast<size_t>(settings.max_message_bytes)) {
            return {error_code::message_too_large, {}, {}};
        }
        // Clients may not send empty or control batches (markers are the
        // broker's to write).
        if (header->record_count <= 0 || header->is_control()) return {error_code::invalid_record, {}, {}};
        // A transactional batch needs the request's transactional id, as
        // Kafka refuses one without an authorised id.
        if (header->is_transactional() && !transactional) {
            return {error_code::transactional_id_authorization_failed, {}, {}};
        }
        if (!settings.compact) {
            if (error_code e = protocol::validate_batch(*batch); e != error_code::none) return {e, {}, {}};
            continue;
        }
        // Keys are checked in the validating walk: one decompression, and
        // no allocation unless a record lacks its key.
        keyless.clear();
        if (error_code e = protocol::validate_batch_keys(*batch, keyless); e != error_code::none) return {e, {}, {}};
        if (!keyless.empty()) return refuse_keyless(keyless, topic, partition);
    }
    // A tail that is not a whole batch (or a garbled header) is corruption.
    if (it.consumed() != records.size()) {
        auto header = protocol::read_batch_header(
            protocol::bytes_view(records.data() + it.consumed(), records.size() - it.consumed()));
        if (header && header->magic != protocol::current_magic) {
            return {error_code::unsupported_for_message_format, {}, {}};
        }
        if (header && header->total_size() > static_cast<size_t>(settings.max_message_bytes)) {
            return {error_code::message_too_large, {}, {}};
        }
        return {error_code::corrupt_message, {}, {}};
    }
    return {};
}

// One partition's append. For acks=all, `waits_for` is set when the
// records are appended but not yet committed: the end they must reach.
response_t::partition_produce_response produce_partition(broker& b, topic_state* topic, int32_t index,
                                                         const protocol::records_field& records, int16_t version,
                                                         int16_t acks, bool transactional,
                                                         std::optional<int64_t>& waits_for) {
    response_t::partition_produce_response out;
    out.index = index;
    out.base_offset = -1;
    if (topic == nullptr || index < 0 || index >= static_cast<int32_t>(topic->partitions.size())) {
        out.error_code = to_wire(error_code::unknown_topic_or_partition);
        return out;
    }
    if (topic->internal()) {
        // Internal topics are written by their coordinators only, as in Kafka.
        out.error_code = to_wire(error_code::invalid_topic_exception);
        return out;
    }
    partition_state& p = *topic->partitions[static_cast<size_t>(index)];
    if (!p.replica.is_leader()) {
        out.error_code = to_wire(error_code::not_leader_or_follower);
        out.current_leader = leader_hint_of<response_t::leader_id_and_epoch>(p);
        return out;
    }
    // As Kafka's Partition.appendRecordsToLeader: acks=all with too small an
    // ISR is refused before anything is written.
    if (acks == -1 && static_cast<int32_t>(p.replica.leader()->isr().size()) < topic->settings.min_insync_replicas) {
        out.error_code = to_wire(error_code::not_enough_replicas);
        out.log_start_offset = p.log->log_start_offset();
        return out;
    }
    auto view = records.contiguous();
    if (records.is_null() || !view) {
        out.error_code = to_wire(error_code::invalid_record);
        return out;
    }
    // The request frame belongs to this request; rewriting it in place saves a copy.
    std::span<uint8_t> bytes(const_cast<uint8_t*>(view->data()), view->size());
    if (refusal r = validate_records(bytes, topic->settings, topic->meta.name, index, version, transactional);
        r.code != error_code::none) {
        out.error_code = to_wire(r.code);
        out.record_errors = std::move(r.record_errors);
        out.error_message = std::move(r.message);
        out.log_start_offset = p.log->log_start_offset();
        return out;
    }
    log::append_result appended = p.log->append(bytes, p.replica.epoch().value(), now_ms());
    out.error_code = to_wire(appended.error);
    out.log_start_offset = p.log->log_start_offset();
    if (appended.error != error_code::none) return out;
    out.base_offset = appended.base_offset;
    out.log_append_time_ms = appended.log_append_time_ms;
    if (!appended.duplicate) {
        // Moves the high watermark at once when the leader is the whole ISR.
        on_leader_append(p);
        b.flush_if_due(topic->meta.name, index);
    }
    if (acks == -1) {
        // A retried batch waits for the first copy, which may not be committed yet.
        int64_t required = appended.duplicate ? appended.last_offset + 1 : p.log->log_end_offset();
        switch (check_acks(*topic, p, required)) {
            case acks_outcome::waiting:
                waits_for = required;
                break;
            case acks_outcome::not_enough_replicas_after_append:
                out.error_code = to_wire(error_code::not_enough_replicas_after_append);
                break;
            case acks_outcome::not_leader:
                out.error_code = to_wire(error_code::not_leader_or_follower);
                break;
            case acks_outcome::done:
                break;
        }
    }
    return out;
}

}  // namespace

handler_result handle_produce(broker& b, request& req) {
    protocol::produce_request body;
    if (!decode_body(req, body)) return handler_result::close();

    bool acks_valid = body.acks == 0 || body.acks == 1 || body.acks == -1;
    // Kafka refuses a whole transactional produce the id may not write.
    bool txn_refused =
        body.transactional_id && !transactional_id_authorized(b, req, acl_operation::write, *body.transactional_id);
    response_t response;
    struct waiting {
        size_t topic_index;
        size_t partition_index;
        partition_ref ref;
        int64_t required;
    };
    std::vector<waiting> waits;
    for (const auto& topic_data : body.topic_data) {
        response_t::topic_produce_response topic_out;
        topic_out.name = topic_data.name;
        topic_state* topic = b.topics().find(topic_data.name);
        error_code topic_refused = txn_refused ? error_code::transactional_id_authorization_failed
                                   : !topic_authorized(b, req, acl_operation::write, topic_data.name)
                                       ? error_code::topic_authorization_failed
                                       : error_code::none;
        for (const auto& part : topic_data.partition_data) {
            error_code refused = topic_refused != error_code::none ? topic_refused
                                 : !acks_valid                     ? error_code::invalid_required_acks
                                                                   : error_code::none;
            if (refused != error_code::none) {
                response_t::partition_produce_response out;
                out.index = part.index;
                out.base_offset = -1;
                out.error_code = to_wire(refused);
                topic_out.partition_responses.push_back(out);
                continue;
            }
            std::optional<int64_t> waits_for;
            topic_out.partition_responses.push_back(
                produce_partition(b, topic, part.index, part.records, req.api_version, body.acks,
                                  body.transactional_id.has_value(), waits_for));
            if (waits_for) {
                partition_state& p = *topic->partitions[static_cast<size_t>(part.index)];
                waits.push_back({response.responses.size(), topic_out.partition_responses.size() - 1,
                                 ref_of(topic->meta.name, p), *waits_for});
            }
        }
        response.responses.push_back(std::move(topic_out));
    }
    for (const auto& t : response.responses) {
        for (const auto& p : t.partition_responses) add_node_endpoint(b, p.current_leader.leader_id, response.node_endpoints);
    }
    if (body.acks == 0) return handler_result::no_response();
    if (waits.empty()) return respond_with(req, response);
    auto pending = std::make_shared<pending_produce>(b, std::move(response), req.api_version);
    for (auto& w : waits) pending->add(w.topic_index, w.partition_index, std::move(w.ref), w.required);
    int32_t timeout_ms = body.timeout_ms;
    return handler_result::later(
        [pending, timeout_ms](respond_fn respond) { pending->start(std::move(respond), timeout_ms); });
}

}  // namespace sluice::broker

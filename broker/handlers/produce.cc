// Produce: validate each partition's record batches, then append them to the
// log exactly as received (offsets and leader epoch rewritten in place).
// Only a partition's leader appends; acks=all answers once the ISR has the
// records (handlers/produce_acks.h).
#include "protocol/generated/produce.h"

#include <spdlog/spdlog.h>

#include <boost/container/small_vector.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "broker/broker.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"
#include "broker/handlers/leader_hint.h"
#include "broker/handlers/produce_conform.h"
#include "broker/handlers/produce_expected_offsets.h"
#include "broker/handlers/produce_acks.h"
#include "broker/handlers/produce_schema_ids.h"
#include "broker/handlers/produce_timestamps.h"
#include "broker/metrics/record.h"
#include "broker/quotas/quota_manager.h"
#include "broker/schema_registry/registry_service.h"
#include "broker/topics/partition_leader.h"
#include "broker/topics/topic_registry.h"
#include "broker/txn/coordinator.h"
#include "broker/txn/txn_verifier.h"
#include "log/partition_log.h"
#include "log/write_ring.h"
#include "protocol/legacy_convert.h"
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
// `facts` gets what the validating walk saw of the records (none when they
// were not walked: relaxed validation).
refusal validate_records(std::span<uint8_t> records, const topic_settings& settings, const std::string& topic,
                         int32_t partition, int16_t version, bool transactional,
                         std::optional<protocol::record_facts>& facts) {
    if (records.empty()) return {error_code::invalid_record, {}, {}};
    protocol::batch_iterator it(protocol::bytes_view(records.data(), records.size()));
    std::vector<int32_t> keyless;
    bool first = true;
    while (auto batch = it.next()) {
        // As Kafka's LogValidator: a partition's records are one v2 batch.
        if (!std::exchange(first, false)) {
            return {error_code::invalid_record, {}, "Compressed outer record has more than one batch"};
        }
        // Legacy sets reach here only in Produce v3+, which Kafka's
        // ProduceRequest.validateRecords refuses with INVALID_RECORD, however
        // short the message (the framing is the same, the header is not).
        if ((*batch)[16] == 0 || (*batch)[16] == 1) return {error_code::invalid_record, {}, {}};
        auto header = protocol::read_batch_header(*batch);
        if (!header) return {error_code::corrupt_message, {}, {}};
        if (header->magic != protocol::current_magic) return {error_code::corrupt_message, {}, {}};
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
            // Relaxed: Kafka's batch-level checks from the header and CRC; the
            // records stay compressed and unread.
            error_code e = error_code::none;
            if (settings.relaxed_validation && !bounds_timestamps(settings)) {
                e = protocol::validate_batch_header(*batch);
            } else {
                e = protocol::validate_batch(*batch, facts.emplace());
            }
            if (e != error_code::none) return {e, {}, {}};
            continue;
        }
        // Keys are checked in the validating walk: one decompression, and
        // no allocation unless a record lacks its key.
        keyless.clear();
        if (error_code e = protocol::validate_batch_keys(*batch, keyless, facts.emplace()); e != error_code::none) {
            return {e, {}, {}};
        }
        if (!keyless.empty()) return refuse_keyless(keyless, topic, partition);
    }
    // A tail that is not a whole batch (or a garbled header) is corruption.
    if (const size_t tail = it.consumed(); tail != records.size()) {
        // Legacy messages after a v2 batch, or in Produce v3+: Kafka
        // refuses them with INVALID_RECORD, however short.
        if (records.size() - tail > 16 && (records[tail + 16] == 0 || records[tail + 16] == 1)) {
            return {error_code::invalid_record, {}, {}};
        }
        auto header = protocol::read_batch_header(protocol::bytes_view(records.data() + tail, records.size() - tail));
        if (header && header->total_size() > static_cast<size_t>(settings.max_message_bytes)) {
            return {error_code::message_too_large, {}, {}};
        }
        return {error_code::corrupt_message, {}, {}};
    }
    return {};
}

refusal refuse_timestamps(std::span<const uint8_t> batch, const protocol::record_facts& facts,
                          const topic_settings& settings) {
    auto out_of_range = out_of_range_timestamps(batch, facts, settings, now_ms());
    if (out_of_range.empty()) return {};
    refusal out{error_code::invalid_timestamp, {}, "One or more records have been rejected due to invalid timestamp"};
    for (auto& t : out_of_range) out.record_errors.push_back({t.batch_index, std::move(t.message), {}});
    return out;
}

// Produce v0-v2 may carry magic 0/1 message sets, which Kafka 3.x converts
// to one v2 batch. The magic byte alone picks that path, so a v2 batch pays
// one comparison.
bool is_legacy_message_set(int16_t version, std::span<const uint8_t> records) {
    return version <= 2 && records.size() > 16 && (records[16] == 0 || records[16] == 1);
}

protocol::legacy_conversion_rules conversion_rules(const topic_settings& settings) {
    protocol::legacy_conversion_rules rules;
    rules.max_message_bytes = settings.max_message_bytes;
    rules.require_keys = settings.compact;
    rules.log_append_time = settings.storage.log_append_time;
    rules.target_codec = topic_codec(settings);  // nullopt ("producer"): the wrapper's codec
    return rules;
}

// One partition's records, checked and given offsets, waiting for the
// request's writes (the partitions of a request are written together:
// log/write_ring.h).
struct staged_append {
    topic_state* topic = nullptr;
    partition_state* partition = nullptr;
    int32_t index = -1;
    size_t topic_slot = 0;      // where its answer is in the response
    size_t partition_slot = 0;
    std::optional<log::partition_log::prepared_append> prepared;
    protocol::bytes converted;  // owns the batch when it was rewritten
    size_t bytes = 0;
};

// The first half of one partition's append: every check, then the offsets
// assigned (log::partition_log::prepare_append). False when `out` is the
// answer already; true when `staged` holds a write to make.
bool stage_partition(broker& b, topic_state* topic, int32_t index, const protocol::records_field& records,
                     int16_t version, int16_t acks, bool transactional, response_t::partition_produce_response& out,
                     staged_append& staged) {
    out.index = index;
    out.base_offset = -1;
    if (topic == nullptr || index < 0 || index >= static_cast<int32_t>(topic->partitions.size())) {
        out.error_code = to_wire(error_code::unknown_topic_or_partition);
        return false;
    }
    if (topic->internal()) {
        // Internal topics are written by their coordinators only, as in Kafka.
        out.error_code = to_wire(error_code::invalid_topic_exception);
        return false;
    }
    partition_state& p = *topic->partitions[static_cast<size_t>(index)];
    if (!p.replica.is_leader()) {
        out.error_code = to_wire(error_code::not_leader_or_follower);
        out.current_leader = leader_hint_of<response_t::leader_id_and_epoch>(p);
        return false;
    }
    // As Kafka's Partition.appendRecordsToLeader: acks=all with too small an
    // ISR is refused before anything is written.
    if (acks == -1 && static_cast<int32_t>(p.replica.leader()->isr().size()) < topic->settings.min_insync_replicas) {
        out.error_code = to_wire(error_code::not_enough_replicas);
        out.log_start_offset = p.log->log_start_offset();
        return false;
    }
    auto view = records.contiguous();
    if (records.is_null() || !view) {
        out.error_code = to_wire(error_code::invalid_record);
        return false;
    }
    // The request frame belongs to this request; rewriting it in place saves a copy.
    std::span<uint8_t> bytes(const_cast<uint8_t*>(view->data()), view->size());
    protocol::bytes& converted = staged.converted;  // a batch rewritten (legacy set converted, or recompressed)
    refusal r;
    if (is_legacy_message_set(version, bytes)) {
        r.code = protocol::convert_legacy_message_set(bytes, conversion_rules(topic->settings), converted);
        bytes = std::span<uint8_t>(converted);
    } else {
        std::optional<protocol::record_facts> facts;
        r = validate_records(bytes, topic->settings, topic->meta.name, index, version, transactional, facts);
        if (r.code == error_code::none && facts) r = refuse_timestamps(bytes, *facts, topic->settings);
        if (r.code == error_code::none) r.code = conform_batch(bytes, facts, topic->settings, converted);
        if (r.code == error_code::none) {
            // Consistent writes: judged right before the offsets are assigned.
            auto expected = check_expected_offsets(bytes, *p.log, facts);
            r = {expected.code, std::move(expected.record_errors), std::move(expected.message)};
        }
    }
    if (r.code == error_code::none && validates_schema_ids(topic->settings)) {
        auto s = refuse_schema_ids(b.schema_registry(), bytes, topic->settings, topic->meta.name);
        r = {s.code, std::move(s.record_errors), std::move(s.message)};
    }
    if (r.code != error_code::none) {
        out.error_code = to_wire(r.code);
        out.record_errors = std::move(r.record_errors);
        out.error_message = std::move(r.message);
        out.log_start_offset = p.log->log_start_offset();
        return false;
    }
    staged.topic = topic;
    staged.partition = &p;
    staged.index = index;
    staged.bytes = bytes.size();
    // `bytes` points into the frame or into `converted`, whose heap buffer
    // stays where it is when the staged append moves.
    staged.prepared.emplace(p.log->prepare_append(bytes, p.replica.epoch().value(), now_ms()));
    return true;
}

// The second half, once the request's writes are done: the log records the
// append (or, after a failed write, answers KAFKA_STORAGE_ERROR unchanged).
// For acks=all, `waits_for` is set when the records are appended but not
// yet committed: the end they must reach.
void finish_partition(broker& b, staged_append& s, int16_t acks, response_t::partition_produce_response& out,
                      std::optional<int64_t>& waits_for, std::vector<partition_state*>& appended_to) {
    partition_state& p = *s.partition;
    log::append_result appended = p.log->finish_append(*s.prepared);
    out.error_code = to_wire(appended.error);
    out.log_start_offset = p.log->log_start_offset();
    if (appended.error != error_code::none) return;
    out.base_offset = appended.base_offset;
    out.log_append_time_ms = appended.log_append_time_ms;
    metrics::record_append(b, p, s.bytes, static_cast<uint64_t>(appended.last_offset - appended.base_offset + 1));
    if (!appended.duplicate) {
        // Moves the high watermark at once when the leader is the whole ISR;
        // parked fetches are woken once the whole request is appended.
        on_leader_append(p, false);
        appended_to.push_back(&p);
        b.flush_if_due(s.topic->meta.name, s.index);
    }
    if (acks == -1) {
        // A retried batch waits for the first copy, which may not be committed yet.
        int64_t required = appended.duplicate ? appended.last_offset + 1 : p.log->log_end_offset();
        switch (check_acks(*s.topic, p, required)) {
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
}

// Makes the staged appends' writes: one pwrite for one partition, all of
// them through one io_uring submission for more (log/write_ring.h).
// Most requests carry one partition: no allocation for it.
using staged_list = boost::container::small_vector<staged_append, 1>;
using write_list = boost::container::small_vector<log::file_write, 1>;

void write_staged(staged_list& staged, write_list& writes) {
    writes.clear();
    for (const auto& s : staged) {
        if (s.prepared->needs_write()) writes.push_back(s.prepared->write);
    }
    log::write_ring::write_all(writes);
    size_t i = 0;
    for (auto& s : staged) {
        if (s.prepared->needs_write()) s.prepared->write = writes[i++];
    }
}

// What produce_all answers instead of appending, by partition.
using refusals = std::map<txn::topic_partition, error_code>;

// The partitions the principal may not write: all of them when it may not
// write the transactional id, as Kafka refuses the whole request then.
refusals authorization_refusals(broker& b, const request& req, const protocol::produce_request& body) {
    refusals out;
    const bool txn_refused =
        body.transactional_id && !transactional_id_authorized(b, req, acl_operation::write, *body.transactional_id);
    for (const auto& topic_data : body.topic_data) {
        error_code e = txn_refused ? error_code::transactional_id_authorization_failed
                       : !topic_authorized(b, req, acl_operation::write, topic_data.name)
                           ? error_code::topic_authorization_failed
                           : error_code::none;
        if (e == error_code::none) continue;
        for (const auto& part : topic_data.partition_data) out[{topic_data.name, part.index}] = e;
    }
    return out;
}

// KIP-890: the partitions where this request's batches would open their
// producer's transaction, which the coordinator must confirm first. A
// produce request carries one producer's batches.
struct verification_needed {
    txn::txn_verifier* verifier = nullptr;
    protocol::producer_id pid{-1};
    protocol::producer_epoch epoch{-1};
    std::vector<txn::topic_partition> partitions;
    std::vector<uint64_t> guards;  // taken in each partition's log, same order
};

verification_needed needing_verification(broker& b, const protocol::produce_request& body, const refusals& denied) {
    verification_needed out;
    if (!body.transactional_id || body.transactional_id->empty()) return out;
    out.verifier = b.transactions().verifier();
    if (out.verifier == nullptr) return out;
    for (const auto& topic_data : body.topic_data) {
        topic_state* topic = b.topics().find(topic_data.name);
        if (topic == nullptr || topic->internal()) continue;
        for (const auto& part : topic_data.partition_data) {
            if (part.index < 0 || part.index >= static_cast<int32_t>(topic->partitions.size())) continue;
            if (denied.contains({topic_data.name, part.index})) continue;
            partition_state& p = *topic->partitions[static_cast<size_t>(part.index)];
            auto view = part.records.contiguous();
            if (!p.replica.is_leader() || part.records.is_null() || !view) continue;
            auto header = protocol::read_batch_header(*view);
            if (!header || !header->is_transactional() || header->producer_id < 0) continue;
            const log::producer_entry* entry = p.log->producers().find(protocol::producer_id(header->producer_id));
            if (entry != nullptr && entry->current_txn_first_offset) continue;  // its transaction is open here
            out.pid = protocol::producer_id(header->producer_id);
            out.epoch = protocol::producer_epoch(header->producer_epoch);
            out.partitions.push_back({topic_data.name, part.index});
            out.guards.push_back(p.log->begin_txn_verification(out.pid, now_ms()));
        }
    }
    return out;
}

// The verified partitions whose guard no longer holds (a marker ended the
// producer's transaction meanwhile, or the partition's log was re-created)
// join the refused ones.
void refuse_lapsed_guards(broker& b, const verification_needed& v, bool abortable_known, refusals& refused) {
    for (size_t i = 0; i < v.partitions.size(); ++i) {
        const auto& tp = v.partitions[i];
        if (refused.contains(tp)) continue;
        topic_state* topic = b.topics().find(tp.topic);
        bool holds = false;
        if (topic != nullptr && tp.partition < static_cast<int32_t>(topic->partitions.size())) {
            // Another request of the producer may have opened the transaction meanwhile.
            const log::producer_state& producers = topic->partitions[static_cast<size_t>(tp.partition)]->log->producers();
            const log::producer_entry* entry = producers.find(v.pid);
            holds = (entry != nullptr && entry->current_txn_first_offset) || producers.verification_holds(v.pid, v.guards[i]);
        }
        if (!holds) {
            refused[tp] = txn::produce_error_of_verification(error_code::invalid_txn_state, abortable_known);
        }
    }
}

struct produced {
    response_t response;
    struct waiting {
        size_t topic_index;
        size_t partition_index;
        partition_ref ref;
        int64_t required;
    };
    std::vector<waiting> waits;
};

produced produce_all(broker& b, const protocol::produce_request& body, int16_t version, const refusals* refused,
                     std::string_view listener) {
    produced out;
    std::vector<partition_state*> appended_to;
    staged_list staged;
    write_list writes;
    size_t partitions = 0;
    for (const auto& topic_data : body.topic_data) partitions += topic_data.partition_data.size();
    staged.reserve(partitions);  // staged appends never move
    writes.reserve(partitions);
    out.response.responses.reserve(body.topic_data.size());
    bool acks_valid = body.acks == 0 || body.acks == 1 || body.acks == -1;
    // Writes what is staged and answers those partitions.
    auto finish_staged = [&] {
        write_staged(staged, writes);
        for (auto& s : staged) {
            auto& answer = out.response.responses[s.topic_slot].partition_responses[s.partition_slot];
            std::optional<int64_t> waits_for;
            finish_partition(b, s, body.acks, answer, waits_for, appended_to);
            metrics::record_produce(b, *s.partition, answer.error_code != 0);
            if (waits_for) {
                out.waits.push_back({s.topic_slot, s.partition_slot, ref_of(s.topic->meta.name, *s.partition),
                                     *waits_for});
            }
        }
        staged.clear();
    };
    for (const auto& topic_data : body.topic_data) {
        out.response.responses.emplace_back().name = topic_data.name;
        const size_t topic_slot = out.response.responses.size() - 1;
        topic_state* topic = b.topics().find(topic_data.name);
        for (const auto& part : topic_data.partition_data) {
            auto& partitions_out = out.response.responses[topic_slot].partition_responses;
            error_code refusal = error_code::none;
            if (refused != nullptr) {
                auto it = refused->find({topic_data.name, part.index});
                if (it != refused->end()) refusal = it->second;
            }
            if (refusal == error_code::none && !acks_valid) refusal = error_code::invalid_required_acks;
            if (refusal != error_code::none) {
                response_t::partition_produce_response p;
                p.index = part.index;
                p.base_offset = -1;
                p.error_code = to_wire(refusal);
                if (refusal == error_code::invalid_txn_state) p.error_message = "Partition was not added to the transaction";
                partitions_out.push_back(p);
                continue;
            }
            const bool known =
                topic != nullptr && part.index >= 0 && part.index < static_cast<int32_t>(topic->partitions.size());
            // A partition named twice: its first append is written and
            // recorded before the second is prepared.
            if (known && topic->partitions[static_cast<size_t>(part.index)]->log->append_prepared()) finish_staged();
            staged_append s;
            if (stage_partition(b, topic, part.index, part.records, version, body.acks,
                                body.transactional_id.has_value(), partitions_out.emplace_back(), s)) {
                s.topic_slot = topic_slot;
                s.partition_slot = partitions_out.size() - 1;
                staged.push_back(std::move(s));
            } else if (known) {
                metrics::record_produce(b, *topic->partitions[static_cast<size_t>(part.index)],
                                        partitions_out.back().error_code != 0);
            }
        }
    }
    finish_staged();
    for (partition_state* p : appended_to) p->notify();
    for (const auto& t : out.response.responses) {
        for (const auto& p : t.partition_responses) {
            add_node_endpoint(b, p.current_leader.leader_id, listener, out.response.node_endpoints);
        }
    }
    return out;
}

// Answers `result` at once, or once acks=all is satisfied.
void answer(broker& b, produced result, int16_t version, int32_t timeout_ms, respond_fn respond) {
    if (result.waits.empty()) {
        protocol::writer w;
        result.response.encode(w, version);
        return respond(std::move(w));
    }
    auto pending = std::make_shared<pending_produce>(b, std::move(result.response), version);
    for (auto& w : result.waits) pending->add(w.topic_index, w.partition_index, std::move(w.ref), w.required);
    pending->start(std::move(respond), timeout_ms);
}

// Verifies first, then produces as usual. The request's records point into
// its frame, which the connection holds until the answer (acks=0 has none:
// the body is copied so the records outlive the handler).
handler_result produce_after_verification(broker& b, const request& req, protocol::produce_request body,
                                          verification_needed v, refusals denied, int32_t throttled) {
    const int16_t version = req.api_version;
    // Produce v11 introduced TRANSACTION_ABORTABLE.
    const bool abortable_known = version >= 11;
    auto start = [&b, version, abortable_known, throttled, listener = req.origin->listener,
                  denied = std::move(denied)](std::shared_ptr<protocol::produce_request> shared,
                                                 std::shared_ptr<verification_needed> need,
                                                 std::shared_ptr<const void> keep_alive, respond_fn respond) {
        need->verifier->verify(
            *shared->transactional_id, need->pid, need->epoch, need->partitions, abortable_known,
            [&b, shared, need, keep_alive, version, abortable_known, throttled, denied, listener,
             respond = std::move(respond)](txn::txn_verifier::unverified refused) mutable {
                refuse_lapsed_guards(b, *need, abortable_known, refused);
                for (const auto& [tp, e] : denied) refused[tp] = e;
                produced result = produce_all(b, *shared, version, &refused, listener);
                result.response.throttle_time_ms = throttled;
                if (respond) answer(b, std::move(result), version, shared->timeout_ms, std::move(respond));
            });
    };
    auto need = std::make_shared<verification_needed>(std::move(v));
    if (body.acks == 0) {
        auto copy = std::make_shared<std::vector<uint8_t>>(req.body.begin(), req.body.end());
        auto shared = std::make_shared<protocol::produce_request>();
        protocol::reader r(protocol::bytes_view(copy->data(), copy->size()));
        shared->decode(r, version);
        start(std::move(shared), std::move(need), copy, nullptr);
        return handler_result::no_response();
    }
    auto shared = std::make_shared<protocol::produce_request>(std::move(body));
    return handler_result::later([start, shared, need](respond_fn respond) {
        start(shared, need, nullptr, std::move(respond));
    });
}

// A schema id this broker's remotely read registry lacks may have been
// registered moments ago: the whole request waits (bounded) for the remote
// reader's next fetch, then produces as usual, checking again.
handler_result produce_after_schema_catch_up(broker& b, const request& req, protocol::produce_request body,
                                             refusals denied, int32_t throttled) {
    const int16_t version = req.api_version;
    const auto bound = std::chrono::milliseconds(schema_registry::registry_service::produce_catch_up_wait_ms);
    auto start = [&b, version, throttled, bound, listener = req.origin->listener, denied = std::move(denied)](
                     std::shared_ptr<protocol::produce_request> shared, std::shared_ptr<const void> keep_alive,
                     respond_fn respond) {
        b.schema_registry()->after_catch_up(
            bound, [&b, shared, keep_alive, version, throttled, denied, listener, respond = std::move(respond)]() mutable {
                produced result = produce_all(b, *shared, version, denied.empty() ? nullptr : &denied, listener);
                result.response.throttle_time_ms = throttled;
                if (respond) answer(b, std::move(result), version, shared->timeout_ms, std::move(respond));
            });
    };
    if (body.acks == 0) {
        auto copy = std::make_shared<std::vector<uint8_t>>(req.body.begin(), req.body.end());
        auto shared = std::make_shared<protocol::produce_request>();
        protocol::reader r(protocol::bytes_view(copy->data(), copy->size()));
        shared->decode(r, version);
        start(std::move(shared), copy, nullptr);
        return handler_result::no_response();
    }
    auto shared = std::make_shared<protocol::produce_request>(std::move(body));
    return handler_result::later([start, shared](respond_fn respond) { start(shared, nullptr, std::move(respond)); });
}

}  // namespace

handler_result handle_produce(broker& b, request& req) {
    protocol::produce_request body;
    if (!decode_body(req, body)) return handler_result::close();
    // Kafka counts the request's size against producer_byte_rate.
    const int32_t throttled =
        b.quotas().record_produce(req.origin->principal, req.client_id, req.body.size(), now_ms());
    throttle(req, throttled);
    refusals denied = authorization_refusals(b, req, body);
    if (verification_needed v = needing_verification(b, body, denied); !v.partitions.empty()) {
        return produce_after_verification(b, req, std::move(body), std::move(v), std::move(denied), throttled);
    }
    if (schema_ids_await_catch_up(b, body)) {
        return produce_after_schema_catch_up(b, req, std::move(body), std::move(denied), throttled);
    }
    produced result = produce_all(b, body, req.api_version, denied.empty() ? nullptr : &denied, req.origin->listener);
    result.response.throttle_time_ms = throttled;
    if (body.acks == 0) return handler_result::no_response();
    if (result.waits.empty()) return respond_with(req, result.response);
    int32_t timeout_ms = body.timeout_ms;
    int16_t version = req.api_version;
    return handler_result::later([&b, result = std::make_shared<produced>(std::move(result)), version,
                                  timeout_ms](respond_fn respond) mutable {
        answer(b, std::move(*result), version, timeout_ms, std::move(respond));
    });
}

}  // namespace sluice::broker

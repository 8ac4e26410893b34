// __transaction_state records and the partition loader (txn_log.h).
#include "broker/txn/txn_log.h"

#include <spdlog/spdlog.h>

#include "broker/groups/offsets_topic.h"
#include "log/file_util.h"
#include "log/partition_log.h"
#include "protocol/generated/transaction_log_key.h"
#include "protocol/generated/transaction_log_value.h"

namespace sluice::broker::txn {

namespace {

constexpr int16_t key_version = 0;
constexpr int16_t value_version = 0;
constexpr size_t load_chunk_bytes = size_t{4} << 20;

template <typename T>
bool decode_exact(protocol::reader& r, int16_t version, T& out) {
    out.decode(r, version);
    return r.ok() && r.at_end();
}

std::optional<txn_metadata> decode_value(std::string id, protocol::bytes_view data) {
    protocol::reader r(data);
    const int16_t version = r.read_int16();
    if (!r.ok() || version < protocol::transaction_log_value::lowest_version ||
        version > protocol::transaction_log_value::highest_version) {
        return std::nullopt;
    }
    protocol::transaction_log_value v;
    if (!decode_exact(r, version, v)) return std::nullopt;
    auto state = state_from_wire(v.transaction_status);
    if (!state) return std::nullopt;
    txn_metadata m;
    m.transactional_id = std::move(id);
    m.pid = producer_id(v.producer_id);
    m.previous_pid = producer_id(v.previous_producer_id);
    m.epoch = producer_epoch(v.producer_epoch);
    m.timeout_ms = v.transaction_timeout_ms;
    m.state = *state;
    if (v.transaction_partitions) {
        for (const auto& t : *v.transaction_partitions) {
            for (int32_t p : t.partition_ids)
                m.partitions.insert({t.topic, p});
        }
    }
    m.update_ms = v.transaction_last_update_timestamp_ms;
    m.start_ms = v.transaction_start_timestamp_ms;
    return m;
}

bool copy_slices(const log::read_result& result, protocol::bytes& out) {
    out.resize(result.bytes);
    size_t at = 0;
    for (const auto& s : result.slices) {
        if (at + s.length > out.size()) return false;
        if (log::file_util::pread_full(s.fd, out.data() + at, s.length, s.offset) != static_cast<int64_t>(s.length)) {
            return false;
        }
        at += s.length;
    }
    out.resize(at);
    return true;
}

}  // namespace

int32_t partition_for_txn(std::string_view transactional_id, int32_t partitions) {
    return groups::partition_for_group(transactional_id, partitions);
}

protocol::bytes txn_key(std::string_view transactional_id) {
    protocol::transaction_log_key k;
    k.transactional_id = std::string(transactional_id);
    return groups::encode_versioned(k, key_version);
}

protocol::bytes txn_value(const txn_metadata& m) {
    protocol::transaction_log_value v;
    v.producer_id = m.pid.value();
    v.previous_producer_id = m.previous_pid.value();
    v.producer_epoch = m.epoch.value();
    v.transaction_timeout_ms = m.timeout_ms;
    v.transaction_status = static_cast<int8_t>(m.state);
    // Kafka writes no partition list for an Empty transaction.
    if (m.state != txn_state::empty) {
        std::vector<protocol::transaction_log_value::partitions_schema> topics;
        for (const auto& tp : m.partitions) {
            if (topics.empty() || topics.back().topic != tp.topic) topics.push_back({tp.topic, {}, {}});
            topics.back().partition_ids.push_back(tp.partition);
        }
        v.transaction_partitions = std::move(topics);
    }
    v.transaction_last_update_timestamp_ms = m.update_ms;
    v.transaction_start_timestamp_ms = m.start_ms;
    return groups::encode_versioned(v, value_version);
}

std::optional<txn_record> decode_txn_record(const protocol::record& record) {
    if (!record.key) return std::nullopt;
    protocol::reader r(*record.key);
    const int16_t version = r.read_int16();
    if (!r.ok() || version != key_version) return std::nullopt;
    protocol::transaction_log_key k;
    if (!decode_exact(r, version, k)) return std::nullopt;
    txn_record out;
    out.transactional_id = k.transactional_id;
    if (record.value) {
        out.metadata = decode_value(std::move(k.transactional_id), *record.value);
        if (!out.metadata) return std::nullopt;
    }
    return out;
}

size_t load_txn_partition(const log::partition_log& log, loaded_txns& out) {
    const std::string name = log.partition().dir_name();
    int64_t offset = log.log_start_offset();
    const int64_t start = offset;
    const int64_t end = log.log_end_offset();
    size_t applied = 0;
    protocol::bytes buffer;
    std::vector<protocol::record> records;
    while (offset < end) {
        auto result = log.read(offset, load_chunk_bytes, end, true);
        if (result.error != protocol::error_code::none || result.slices.empty() || !copy_slices(result, buffer)) {
            spdlog::warn("loading {}: read at {} failed", name, offset);
            break;
        }
        int64_t next = -1;
        protocol::batch_iterator batches(buffer);
        while (auto batch = batches.next()) {
            auto header = protocol::read_batch_header(*batch);
            if (!header || header->magic != protocol::current_magic) break;
            next = header->last_offset() + 1;
            records.clear();
            if (header->is_control() || protocol::decode_records(*batch, records) != protocol::error_code::none) {
                continue;
            }
            for (const auto& record : records) {
                if (record.offset < start || record.offset >= end) continue;
                auto decoded = decode_txn_record(record);
                if (!decoded) {
                    spdlog::warn("loading {}: skipping malformed record at offset {}", name, record.offset);
                    continue;
                }
                if (decoded->metadata) {
                    out[decoded->transactional_id] = std::move(*decoded->metadata);
                } else {
                    out.erase(decoded->transactional_id);
                }
                ++applied;
            }
        }
        if (next <= offset) {
            spdlog::warn("loading {}: no whole batch at {}; stopping", name, offset);
            break;
        }
        offset = next;
    }
    return applied;
}

}  // namespace sluice::broker::txn

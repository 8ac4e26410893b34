#include "compaction/batch_filter.h"

#include <algorithm>

#include "log/format.h"
#include "protocol/control_batch.h"
#include "protocol/compression.h"
#include "protocol/crc32c.h"

namespace sluice::compaction {

namespace {

// Field positions of the batch header (protocol/record_batch.h).
constexpr size_t length_at = 8;
constexpr size_t crc_at = 17;
constexpr size_t attributes_at = 21;
constexpr size_t max_timestamp_at = 35;
constexpr size_t record_count_at = 57;

void append(protocol::bytes& out, protocol::bytes_view data) { out.insert(out.end(), data.begin(), data.end()); }

}  // namespace

void batch_filter::begin_pass(const std::vector<log::aborted_txn>& aborted,
                              const std::unordered_map<int64_t, producer_tail>& producer_tails) {
    tails_ = &producer_tails;
    aborted_.clear();
    aborted_seen_.clear();
    committed_seen_.clear();
    for (const auto& a : aborted) aborted_[a.producer_id].emplace_back(a.first_offset, a.last_offset);
    for (auto& [producer, ranges] : aborted_) std::sort(ranges.begin(), ranges.end());
}

bool batch_filter::in_aborted_txn(const protocol::batch_header& h) const {
    auto it = aborted_.find(h.producer_id);
    if (it == aborted_.end()) return false;
    const auto& ranges = it->second;
    auto after = std::upper_bound(ranges.begin(), ranges.end(), std::pair{h.base_offset, INT64_MAX});
    return after != ranges.begin() && std::prev(after)->second > h.base_offset;
}

bool batch_filter::marker_discardable(protocol::bytes_view batch, const protocol::batch_header& h) {
    auto marker = protocol::read_marker(batch);
    if (!marker) return false;
    auto& seen = marker->type == protocol::marker_type::abort ? aborted_seen_ : committed_seen_;
    return seen.erase(h.producer_id) == 0;
}

bool batch_filter::producers_last(const protocol::batch_header& h) const {
    if (h.producer_id < 0 || tails_ == nullptr) return false;
    auto it = tails_->find(h.producer_id);
    if (it == tails_->end()) return false;
    const producer_tail& tail = it->second;
    if (h.is_control()) return tail.last_data_offset < 0 && h.producer_epoch == tail.epoch;
    return h.last_offset() == tail.last_data_offset;
}

clean_error batch_filter::filter(protocol::bytes_view batch, bool drop_tombstones, bool keep_if_emptied,
                                 protocol::bytes& out, clean_stats& stats) {
    if (protocol::check_batch_crc(batch) != protocol::error_code::none) return clean_error::corrupt_batch;
    auto header = protocol::read_batch_header(batch);
    if (!header) return clean_error::corrupt_batch;
    const protocol::batch_header& h = *header;
    if (producers_last(h)) keep_if_emptied = true;
    if (h.is_control()) {
        const bool discard = marker_discardable(batch, h) && drop_tombstones && !keep_if_emptied;
        if (discard) {
            ++stats.markers_removed;
        } else {
            append(out, batch);
        }
        return clean_error::none;
    }
    const bool aborted = h.is_transactional() && in_aborted_txn(h);
    if (aborted) {
        aborted_seen_.insert(h.producer_id);
        stats.aborted_records_removed += static_cast<uint64_t>(h.record_count);
    } else if (h.is_transactional()) {
        committed_seen_.insert(h.producer_id);
    }

    records_.clear();
    int32_t kept = 0;
    int64_t max_timestamp = -1;
    uint64_t tombstones = 0;
    auto ec = protocol::for_each_record(batch, [&](const protocol::record_view& r) {
        if (aborted) return;
        if (r.key) {
            int64_t latest = map_.get(hash_key(*r.key));
            if (latest > r.offset) return;
            if (!r.value && drop_tombstones) {
                ++tombstones;
                return;
            }
        }
        ++kept;
        max_timestamp = std::max(max_timestamp, r.timestamp);
        append(records_, r.encoded);
    });
    if (ec != protocol::error_code::none) return clean_error::corrupt_batch;
    stats.records_read += static_cast<uint64_t>(h.record_count);
    stats.records_kept += static_cast<uint64_t>(kept);
    stats.tombstones_removed += tombstones;

    // Before the whole-batch copy: a batch emptied by an earlier pass keeps
    // "all" of its zero records, and must still go once nothing needs it.
    if (kept == 0 && !keep_if_emptied) return clean_error::none;
    if (kept == h.record_count) {
        append(out, batch);
        return clean_error::none;
    }

    // Rebuild: the original header, then the kept records.
    const size_t start = out.size();
    out.insert(out.end(), batch.begin(), batch.begin() + protocol::batch_header_size);
    int16_t attributes = h.attributes;
    if (kept == 0) {
        attributes = static_cast<int16_t>(attributes & ~0x7);  // nothing to compress
    } else if (h.codec() == protocol::compression::none) {
        append(out, records_);
    } else {
        if (protocol::compress(h.codec(), records_, compressed_) != protocol::error_code::none) {
            out.resize(start);
            return clean_error::io_error;
        }
        append(out, compressed_);
    }
    uint8_t* p = out.data() + start;
    log::format::store_be32(p + length_at, static_cast<uint32_t>(out.size() - start - protocol::batch_log_overhead));
    p[attributes_at] = static_cast<uint8_t>(static_cast<uint16_t>(attributes) >> 8);
    p[attributes_at + 1] = static_cast<uint8_t>(attributes);
    // LogAppendTime: every record carries the batch's max timestamp; keep it.
    if (!h.log_append_time() && kept > 0) log::format::store_be64(p + max_timestamp_at, static_cast<uint64_t>(max_timestamp));
    log::format::store_be32(p + record_count_at, static_cast<uint32_t>(kept));
    log::format::store_be32(p + crc_at, protocol::crc32c(p + attributes_at, out.size() - start - attributes_at));
    return clean_error::none;
}

}  // namespace sluice::compaction

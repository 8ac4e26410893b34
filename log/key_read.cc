#include "log/key_read.h"

#include <algorithm>
#include <cstring>

#include "log/file_util.h"
#include "log/segment.h"

namespace sluice::log {

using protocol::error_code;

namespace {

bool same_key(protocol::bytes_view a, protocol::bytes_view key) {
    return a.size() == key.size() && (key.empty() || std::memcmp(a.data(), key.data(), key.size()) == 0);
}

// The size of the record starting at `at` (its zigzag length varint plus
// that many bytes), if it lies inside the batch ending at `batch_end`.
std::optional<uint32_t> record_size_at(const segment& seg, uint64_t at, uint64_t batch_end) {
    protocol::bytes raw;
    const size_t want = static_cast<size_t>(std::min<uint64_t>(5, batch_end - at));
    if (want == 0 || !seg.read(at, want, raw)) return std::nullopt;
    uint32_t z = 0;
    for (size_t i = 0; i < raw.size(); ++i) {
        z |= uint32_t{raw[i] & 0x7fu} << (7 * i);
        if ((raw[i] & 0x80) == 0) {
            const auto length = static_cast<int32_t>((z >> 1) ^ (~(z & 1) + 1));
            const uint64_t total = i + 1 + static_cast<uint64_t>(length);
            if (length <= 0 || at + total > batch_end) return std::nullopt;
            return static_cast<uint32_t>(total);
        }
    }
    return std::nullopt;
}

}  // namespace

key_read_plan plan_key_read(const partition_log& log, protocol::bytes_view key, const key_read_options& options) {
    key_read_plan plan;
    if (!log.config().key_index) {
        plan.error = error_code::invalid_request;
        return plan;
    }
    const int64_t from = std::max(options.from_offset, log.log_start_offset());
    const int64_t below = options.max_offset < 0 ? log.log_end_offset()
                                                 : std::min(options.max_offset, log.log_end_offset());
    if (options.limit == 0 || from >= below) return plan;

    const auto& segments = log.segments();
    const size_t n = segments.size();
    size_t planned_records = 0, planned_bytes = 0;
    for (size_t step = 0; step < n; ++step) {
        const std::shared_ptr<segment>& seg = segments[options.newest_first ? n - 1 - step : step];
        if (seg->next_offset() <= from || seg->base_offset() >= below) continue;
        const key_index* keys = seg->keys();
        if (keys == nullptr) continue;  // cannot happen while the config is on
        std::vector<key_entry> entries = keys->lookup(key);
        std::erase_if(entries, [&](const key_entry& e) { return e.offset < from || e.offset >= below; });
        if (options.newest_first) std::reverse(entries.begin(), entries.end());
        for (size_t i = 0; i < entries.size();) {
            if (planned_records >= options.limit || (planned_bytes >= options.max_bytes && !plan.batches.empty())) {
                plan.more = true;
                return plan;
            }
            // Entries of one batch are adjacent: it is read once.
            const uint32_t position = entries[i].position;
            const size_t group_start = i;
            key_read_plan::batch b;
            for (; i < entries.size() && entries[i].position == position; ++i) b.wanted.push_back(entries[i].offset);
            std::sort(b.wanted.begin(), b.wanted.end());
            protocol::bytes raw;
            if (!seg->read(position, protocol::batch_header_size, raw)) continue;  // an entry past the end
            auto header = protocol::read_batch_header(raw);
            // An entry that does not name this batch (a damaged file): skipped.
            if (!header || !plausible_batch_header(*header, position, seg->size()) ||
                header->base_offset > b.wanted.front() || header->last_offset() < b.wanted.back()) {
                continue;
            }
            // Over the limit inside a batch: only the first (or, newest first, last) wanted.
            const size_t room = options.limit - planned_records;
            if (b.wanted.size() > room) {
                plan.more = true;
                if (options.newest_first) {
                    b.wanted.erase(b.wanted.begin(), b.wanted.end() - static_cast<ptrdiff_t>(room));
                } else {
                    b.wanted.resize(room);
                }
            }
            planned_records += b.wanted.size();
            b.log_append_time = header->log_append_time();
            if (!options.newest_first) plan.next_offset = b.wanted.back() + 1;
            const uint32_t delta = entries[group_start].record_delta;
            if (delta == 0) {
                planned_bytes += header->total_size();
                b.slice = {seg->fd(), position, static_cast<uint32_t>(header->total_size()), seg};
                plan.batches.push_back(std::move(b));
                continue;
            }
            // Uncompressed: each wanted record alone, with a copy of the header.
            std::array<uint8_t, protocol::batch_header_size> head{};
            std::copy(raw.begin(), raw.begin() + protocol::batch_header_size, head.begin());
            std::vector<key_entry> group(entries.begin() + static_cast<ptrdiff_t>(group_start),
                                         entries.begin() + static_cast<ptrdiff_t>(i));
            std::sort(group.begin(), group.end(),
                      [](const key_entry& x, const key_entry& y) { return x.offset < y.offset; });
            if (options.newest_first) std::reverse(group.begin(), group.end());
            for (const auto& e : group) {
                if (!std::binary_search(b.wanted.begin(), b.wanted.end(), e.offset)) continue;
                const uint64_t end = position + header->total_size();
                const auto size = e.record_delta >= protocol::batch_header_size
                                      ? record_size_at(*seg, uint64_t{position} + e.record_delta, end)
                                      : std::nullopt;
                if (!size) continue;  // a damaged entry
                key_read_plan::batch one;
                one.slice = {seg->fd(), uint64_t{position} + e.record_delta, *size, seg};
                one.wanted = {e.offset};
                one.log_append_time = b.log_append_time;
                one.header = head;
                planned_bytes += *size;
                plan.batches.push_back(std::move(one));
            }
        }
    }
    return plan;
}

key_read_result read_planned(const key_read_plan& plan, protocol::bytes_view key, bool newest_first) {
    key_read_result result;
    result.error = plan.error;
    result.more = plan.more;
    result.next_offset = plan.more ? plan.next_offset : -1;
    protocol::bytes raw;
    std::vector<protocol::record> decoded;
    for (const auto& b : plan.batches) {
        // A single record goes after its batch's header, made a batch of one.
        const size_t skip = b.header ? protocol::batch_header_size : 0;
        raw.resize(skip + b.slice.length);
        if (b.header) {
            std::copy(b.header->begin(), b.header->end(), raw.begin());
            const auto length = static_cast<uint32_t>(raw.size() - protocol::batch_log_overhead);
            raw[8] = static_cast<uint8_t>(length >> 24);
            raw[9] = static_cast<uint8_t>(length >> 16);
            raw[10] = static_cast<uint8_t>(length >> 8);
            raw[11] = static_cast<uint8_t>(length);
            raw[57] = raw[58] = raw[59] = 0;  // record_count = 1
            raw[60] = 1;
        }
        if (file_util::pread_full(b.slice.fd, raw.data() + skip, b.slice.length, b.slice.offset) !=
            static_cast<int64_t>(b.slice.length)) {
            result.error = error_code::kafka_storage_error;
            return result;
        }
        ++result.batches_read;
        result.bytes_read += raw.size();
        decoded.clear();
        if (protocol::decode_records(raw, decoded) != error_code::none) continue;  // cannot happen: validated at append
        const size_t first = result.records.size();
        for (auto& r : decoded) {
            if (!std::binary_search(b.wanted.begin(), b.wanted.end(), r.offset)) continue;
            if (!r.key || !same_key(protocol::bytes_view(r.key->data(), r.key->size()), key)) continue;
            result.records.push_back({std::move(r), b.log_append_time});
        }
        if (newest_first) std::reverse(result.records.begin() + static_cast<ptrdiff_t>(first), result.records.end());
    }
    return result;
}

key_read_result read_key(const partition_log& log, protocol::bytes_view key, const key_read_options& options) {
    return read_planned(plan_key_read(log, key, options), key, options.newest_first);
}

}  // namespace sluice::log

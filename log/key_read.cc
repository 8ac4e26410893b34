#include "log/key_read.h"

#include <algorithm>
#include <cstring>

#include "log/segment.h"

namespace sluice::log {

using protocol::error_code;

namespace {

bool same_key(protocol::bytes_view a, protocol::bytes_view key) {
    return a.size() == key.size() && (key.empty() || std::memcmp(a.data(), key.data(), key.size()) == 0);
}

// The records of `batch` at the offsets in `wanted` (ascending) whose key is
// `key`, appended to `out` in offset order. Headers are decoded only here.
error_code take_records(protocol::bytes_view batch, bool log_append_time, protocol::bytes_view key,
                        const std::vector<int64_t>& wanted, std::vector<key_record>& out) {
    std::vector<protocol::record> decoded;
    if (error_code ec = protocol::decode_records(batch, decoded); ec != error_code::none) return ec;
    for (auto& r : decoded) {
        if (!std::binary_search(wanted.begin(), wanted.end(), r.offset)) continue;
        if (!r.key || !same_key(protocol::bytes_view(r.key->data(), r.key->size()), key)) continue;
        out.push_back({std::move(r), log_append_time});
    }
    return error_code::none;
}

}  // namespace

key_read_result read_key(const partition_log& log, protocol::bytes_view key, const key_read_options& options) {
    key_read_result result;
    const auto& segments = log.segments();
    if (!log.config().key_index) {
        result.error = error_code::invalid_request;
        return result;
    }
    const int64_t from = std::max(options.from_offset, log.log_start_offset());
    const int64_t below = options.max_offset < 0 ? log.log_end_offset()
                                                 : std::min(options.max_offset, log.log_end_offset());
    if (options.limit == 0 || from >= below) return result;

    // Segments in the order asked for; within one, batches likewise.
    const size_t n = segments.size();
    for (size_t step = 0; step < n; ++step) {
        const segment& seg = *segments[options.newest_first ? n - 1 - step : step];
        if (seg.next_offset() <= from || seg.base_offset() >= below) continue;
        const key_index* keys = seg.keys();
        if (keys == nullptr) continue;  // cannot happen while the config is on
        std::vector<key_entry> entries = keys->lookup(key);
        std::erase_if(entries, [&](const key_entry& e) { return e.offset < from || e.offset >= below; });
        if (options.newest_first) std::reverse(entries.begin(), entries.end());
        for (size_t i = 0; i < entries.size();) {
            if (result.records.size() >= options.limit ||
                (result.bytes_read >= options.max_bytes && result.batches_read > 0)) {
                result.more = true;
                return result;
            }
            // Entries of one batch are adjacent: read it once.
            const uint32_t position = entries[i].position;
            std::vector<int64_t> wanted;
            for (; i < entries.size() && entries[i].position == position; ++i) wanted.push_back(entries[i].offset);
            std::sort(wanted.begin(), wanted.end());

            protocol::bytes raw;
            if (!seg.read(position, protocol::batch_header_size, raw)) continue;  // an index entry past the end
            auto header = protocol::read_batch_header(raw);
            // An entry that does not name this batch (a damaged index file): skip it.
            if (!header || !plausible_batch_header(*header, position, seg.size()) ||
                header->base_offset > wanted.front() || header->last_offset() < wanted.back()) {
                continue;
            }
            if (!seg.read(position, header->total_size(), raw)) {
                result.error = error_code::kafka_storage_error;
                return result;
            }
            ++result.batches_read;
            result.bytes_read += raw.size();
            std::vector<key_record> found;
            if (take_records(raw, header->log_append_time(), key, wanted, found) != error_code::none) continue;
            if (options.newest_first) std::reverse(found.begin(), found.end());
            for (auto& r : found) {
                if (result.records.size() >= options.limit) {
                    result.more = true;
                    return result;
                }
                result.records.push_back(std::move(r));
            }
        }
    }
    return result;
}

}  // namespace sluice::log

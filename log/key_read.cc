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
            planned_bytes += header->total_size();
            b.slice = {seg->fd(), position, static_cast<uint32_t>(header->total_size()), seg};
            b.log_append_time = header->log_append_time();
            if (!options.newest_first) plan.next_offset = b.wanted.back() + 1;
            plan.batches.push_back(std::move(b));
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
        raw.resize(b.slice.length);
        if (file_util::pread_full(b.slice.fd, raw.data(), raw.size(), b.slice.offset) !=
            static_cast<int64_t>(raw.size())) {
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

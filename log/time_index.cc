#include "log/time_index.h"

#include <algorithm>

#include "log/format.h"

namespace sluice::log {

time_index::time_index() : file_(format::time_index_entry_size) {}

bool time_index::open(const std::filesystem::path& path, int64_t base_offset, int32_t max_index_bytes) {
    base_offset_ = base_offset;
    set_max_index_bytes(max_index_bytes);
    last_.reset();
    return file_.open(path);
}

void time_index::set_max_index_bytes(int32_t max_index_bytes) {
    max_entries_ = std::max<size_t>(1, static_cast<size_t>(std::max(max_index_bytes, 0)) /
                                            format::time_index_entry_size);
}

time_index::entry time_index::decode(const uint8_t* raw) const {
    return {static_cast<int64_t>(format::load_be64(raw)), base_offset_ + format::load_be32(raw + 8)};
}

std::optional<time_index::entry> time_index::entry_at(size_t i) const {
    uint8_t raw[format::time_index_entry_size];
    if (!file_.read(i, raw)) return std::nullopt;
    return decode(raw);
}

bool time_index::load() {
    last_.reset();
    bool ok = file_.load_entries([&](const uint8_t* raw) {
        entry e = decode(raw);
        bool grows = !last_ || (e.timestamp > last_->timestamp && e.offset >= last_->offset);
        if (!grows || e.timestamp < 0) return false;
        last_ = e;
        return true;
    });
    if (!ok) last_.reset();
    return ok;
}

void time_index::maybe_append(int64_t timestamp, int64_t offset, bool even_if_full) {
    if (timestamp < 0) return;  // batches without timestamps are not indexed
    if (last_ && timestamp <= last_->timestamp) return;
    if (is_full() && !even_if_full) return;
    uint8_t raw[format::time_index_entry_size];
    format::store_be64(raw, static_cast<uint64_t>(timestamp));
    format::store_be32(raw + 8, static_cast<uint32_t>(offset - base_offset_));
    file_.append(raw);
    last_ = entry{timestamp, offset};
}

bool time_index::persist() { return file_.persist(); }

std::optional<time_index::entry> time_index::last_entry_before(int64_t timestamp) const {
    auto count = file_.partition_point([&](const uint8_t* raw) { return decode(raw).timestamp < timestamp; });
    if (!count || *count == 0) return std::nullopt;
    return entry_at(*count - 1);
}

bool time_index::truncate_from(int64_t offset) {
    if (!last_ || last_->offset < offset) return true;
    auto keep = file_.partition_point([&](const uint8_t* raw) { return decode(raw).offset < offset; });
    std::optional<entry> new_last;
    if (keep && *keep > 0) new_last = entry_at(*keep - 1);
    last_ = new_last;
    // An unreadable file cannot be cut at the right entry: empty it (lookups scan further).
    if (!keep || (*keep > 0 && !new_last)) return file_.reset();
    return file_.truncate(*keep);
}

bool time_index::reset() {
    last_.reset();
    return file_.reset();
}

}  // namespace sluice::log

#include "log/offset_index.h"

#include <algorithm>

#include "log/format.h"

namespace sluice::log {

offset_index::offset_index() : file_(format::offset_index_entry_size) {}

bool offset_index::open(const std::filesystem::path& path, int64_t base_offset, int32_t max_index_bytes) {
    base_offset_ = base_offset;
    set_max_index_bytes(max_index_bytes);
    last_.reset();
    return file_.open(path);
}

void offset_index::set_max_index_bytes(int32_t max_index_bytes) {
    // At least one entry, so a tiny setting cannot make every append roll.
    max_entries_ = std::max<size_t>(1, static_cast<size_t>(std::max(max_index_bytes, 0)) /
                                            format::offset_index_entry_size);
}

offset_index::entry offset_index::decode(const uint8_t* raw) const {
    return {base_offset_ + format::load_be32(raw), format::load_be32(raw + 4)};
}

std::optional<offset_index::entry> offset_index::entry_at(size_t i) const {
    uint8_t raw[format::offset_index_entry_size];
    if (!file_.read(i, raw)) return std::nullopt;
    return decode(raw);
}

bool offset_index::load(uint64_t log_size) {
    last_.reset();
    bool ok = file_.load_entries([&](const uint8_t* raw) {
        entry e = decode(raw);
        bool grows = !last_ || (e.offset > last_->offset && e.position > last_->position);
        // Position 0 never gets an entry, so a zero-filled (preallocated) tail fails here.
        if (!grows || e.position == 0 || e.position >= log_size) return false;
        last_ = e;
        return true;
    });
    if (!ok) last_.reset();
    return ok;
}

void offset_index::append(int64_t offset, uint32_t position) {
    uint8_t raw[format::offset_index_entry_size];
    format::store_be32(raw, static_cast<uint32_t>(offset - base_offset_));
    format::store_be32(raw + 4, position);
    file_.append(raw);
    last_ = entry{offset, position};
}

bool offset_index::persist() { return file_.persist(); }

std::optional<size_t> offset_index::count_below(int64_t offset) const {
    return file_.partition_point([&](const uint8_t* raw) { return decode(raw).offset < offset; });
}

offset_index::entry offset_index::lookup(int64_t offset) const {
    auto count = file_.partition_point([&](const uint8_t* raw) { return decode(raw).offset <= offset; });
    if (!count || *count == 0) return {base_offset_, 0};
    return entry_at(*count - 1).value_or(entry{base_offset_, 0});
}

std::optional<offset_index::entry> offset_index::last_entry_within(uint64_t max_position,
                                                                  int64_t offset_limit) const {
    auto by_position = file_.partition_point([&](const uint8_t* raw) { return decode(raw).position <= max_position; });
    auto by_offset = count_below(offset_limit);
    if (!by_position || !by_offset) return std::nullopt;
    size_t end = std::min(*by_position, *by_offset);
    if (end == 0) return std::nullopt;
    return entry_at(end - 1);
}

bool offset_index::truncate_from(int64_t offset) {
    if (!last_ || last_->offset < offset) return true;
    auto keep = count_below(offset);
    std::optional<entry> new_last;
    if (keep && *keep > 0) new_last = entry_at(*keep - 1);
    last_ = new_last;
    // An unreadable file cannot be cut at the right entry: empty it (lookups scan further).
    if (!keep || (*keep > 0 && !new_last)) return file_.reset();
    return file_.truncate(*keep);
}

bool offset_index::reset() {
    last_.reset();
    return file_.reset();
}

}  // namespace sluice::log

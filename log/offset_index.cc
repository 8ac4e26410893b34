#include "log/offset_index.h"

#include <algorithm>
#include <string>

#include "log/file_util.h"
#include "log/format.h"

namespace sluice::log {

bool offset_index::open(const std::filesystem::path& path, int64_t base_offset, int32_t max_index_bytes) {
    path_ = path;
    base_offset_ = base_offset;
    set_max_index_bytes(max_index_bytes);
    persisted_ = 0;
    return file_util::create_file(path, false);
}

void offset_index::set_max_index_bytes(int32_t max_index_bytes) {
    // At least one entry, so a tiny setting cannot make every append roll.
    max_entries_ = std::max<size_t>(1, static_cast<size_t>(std::max(max_index_bytes, 0)) /
                                            format::offset_index_entry_size);
}

bool offset_index::load(uint64_t log_size) {
    entries_.clear();
    persisted_ = 0;
    std::string raw;
    if (!file_util::read_small_file(path_, raw) || raw.size() % format::offset_index_entry_size != 0) return false;
    const auto* bytes = reinterpret_cast<const uint8_t*>(raw.data());
    entries_.reserve(raw.size() / format::offset_index_entry_size);
    for (size_t at = 0; at < raw.size(); at += format::offset_index_entry_size) {
        entry e{base_offset_ + format::load_be32(bytes + at), format::load_be32(bytes + at + 4)};
        bool grows = entries_.empty() ||
                     (e.offset > entries_.back().offset && e.position > entries_.back().position);
        // Position 0 never gets an entry, so a zero-filled (preallocated) file fails here.
        if (!grows || e.position == 0 || e.position >= log_size) {
            entries_.clear();
            return false;
        }
        entries_.push_back(e);
    }
    persisted_ = entries_.size();
    return true;
}

void offset_index::append(int64_t offset, uint32_t position) { entries_.push_back({offset, position}); }

bool offset_index::persist() {
    if (persisted_ == entries_.size()) return true;
    std::vector<uint8_t> raw((entries_.size() - persisted_) * format::offset_index_entry_size);
    uint8_t* out = raw.data();
    for (size_t i = persisted_; i < entries_.size(); ++i, out += format::offset_index_entry_size) {
        format::store_be32(out, static_cast<uint32_t>(entries_[i].offset - base_offset_));
        format::store_be32(out + 4, entries_[i].position);
    }
    if (!file_util::write_file_at(path_, raw.data(), raw.size(), persisted_ * format::offset_index_entry_size)) {
        return false;
    }
    persisted_ = entries_.size();
    return true;
}

offset_index::entry offset_index::lookup(int64_t offset) const {
    auto it = std::upper_bound(entries_.begin(), entries_.end(), offset,
                               [](int64_t target, const entry& e) { return target < e.offset; });
    if (it == entries_.begin()) return {base_offset_, 0};
    return *std::prev(it);
}

std::optional<offset_index::entry> offset_index::last_entry_within(uint64_t max_position,
                                                                  int64_t offset_limit) const {
    auto by_position = std::upper_bound(entries_.begin(), entries_.end(), max_position,
                                        [](uint64_t p, const entry& e) { return p < e.position; });
    auto by_offset = std::lower_bound(entries_.begin(), entries_.end(), offset_limit,
                                      [](const entry& e, int64_t limit) { return e.offset < limit; });
    auto end = std::min(by_position, by_offset);
    if (end == entries_.begin()) return std::nullopt;
    return *std::prev(end);
}

bool offset_index::truncate_from(int64_t offset) {
    auto it = std::lower_bound(entries_.begin(), entries_.end(), offset,
                               [](const entry& e, int64_t target) { return e.offset < target; });
    entries_.erase(it, entries_.end());
    if (persisted_ <= entries_.size()) return true;
    persisted_ = entries_.size();
    return file_util::truncate_file(path_, persisted_ * format::offset_index_entry_size);
}

bool offset_index::reset() {
    entries_.clear();
    persisted_ = 0;
    return file_util::truncate_file(path_, 0);
}

std::optional<offset_index::entry> offset_index::last_entry() const {
    if (entries_.empty()) return std::nullopt;
    return entries_.back();
}

bool offset_index::sync() const { return file_util::sync_file(path_); }

}  // namespace sluice::log

#include "log/time_index.h"

#include <algorithm>
#include <string>

#include "log/file_util.h"
#include "log/format.h"

namespace sluice::log {

bool time_index::open(const std::filesystem::path& path, int64_t base_offset, int32_t max_index_bytes) {
    path_ = path;
    base_offset_ = base_offset;
    set_max_index_bytes(max_index_bytes);
    persisted_ = 0;
    return file_util::create_file(path, false);
}

void time_index::set_max_index_bytes(int32_t max_index_bytes) {
    max_entries_ = std::max<size_t>(1, static_cast<size_t>(std::max(max_index_bytes, 0)) /
                                            format::time_index_entry_size);
}

bool time_index::load() {
    entries_.clear();
    persisted_ = 0;
    std::string raw;
    if (!file_util::read_small_file(path_, raw) || raw.size() % format::time_index_entry_size != 0) return false;
    const auto* bytes = reinterpret_cast<const uint8_t*>(raw.data());
    for (size_t at = 0; at < raw.size(); at += format::time_index_entry_size) {
        entry e{static_cast<int64_t>(format::load_be64(bytes + at)), base_offset_ + format::load_be32(bytes + at + 8)};
        bool grows = entries_.empty() ||
                     (e.timestamp > entries_.back().timestamp && e.offset >= entries_.back().offset);
        if (!grows || e.timestamp < 0) {
            entries_.clear();
            return false;
        }
        entries_.push_back(e);
    }
    persisted_ = entries_.size();
    return true;
}

void time_index::maybe_append(int64_t timestamp, int64_t offset, bool even_if_full) {
    if (timestamp < 0) return;  // batches without timestamps are not indexed
    if (!entries_.empty() && timestamp <= entries_.back().timestamp) return;
    if (is_full() && !even_if_full) return;
    entries_.push_back({timestamp, offset});
}

bool time_index::persist() {
    if (persisted_ == entries_.size()) return true;
    std::vector<uint8_t> raw((entries_.size() - persisted_) * format::time_index_entry_size);
    uint8_t* out = raw.data();
    for (size_t i = persisted_; i < entries_.size(); ++i, out += format::time_index_entry_size) {
        format::store_be64(out, static_cast<uint64_t>(entries_[i].timestamp));
        format::store_be32(out + 8, static_cast<uint32_t>(entries_[i].offset - base_offset_));
    }
    if (!file_util::write_file_at(path_, raw.data(), raw.size(), persisted_ * format::time_index_entry_size)) {
        return false;
    }
    persisted_ = entries_.size();
    return true;
}

std::optional<time_index::entry> time_index::last_entry_before(int64_t timestamp) const {
    auto it = std::lower_bound(entries_.begin(), entries_.end(), timestamp,
                               [](const entry& e, int64_t target) { return e.timestamp < target; });
    if (it == entries_.begin()) return std::nullopt;
    return *std::prev(it);
}

bool time_index::truncate_from(int64_t offset) {
    auto it = std::lower_bound(entries_.begin(), entries_.end(), offset,
                               [](const entry& e, int64_t target) { return e.offset < target; });
    entries_.erase(it, entries_.end());
    if (persisted_ <= entries_.size()) return true;
    persisted_ = entries_.size();
    return file_util::truncate_file(path_, persisted_ * format::time_index_entry_size);
}

bool time_index::reset() {
    entries_.clear();
    persisted_ = 0;
    return file_util::truncate_file(path_, 0);
}

std::optional<time_index::entry> time_index::last_entry() const {
    if (entries_.empty()) return std::nullopt;
    return entries_.back();
}

bool time_index::sync() const { return file_util::sync_file(path_); }

}  // namespace sluice::log

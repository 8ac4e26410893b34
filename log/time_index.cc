#include "log/time_index.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include "log/file_util.h"
#include "log/format.h"

namespace sluice::log {

time_index::~time_index() {
    if (fd_ >= 0) ::close(fd_);
}

bool time_index::open(const std::filesystem::path& path, int64_t base_offset, int32_t max_index_bytes) {
    path_ = path;
    base_offset_ = base_offset;
    set_max_index_bytes(max_index_bytes);
    fd_ = file_util::open_file(path, O_RDWR | O_CREAT);
    return fd_ >= 0;
}

void time_index::set_max_index_bytes(int32_t max_index_bytes) {
    max_entries_ = std::max<size_t>(1, static_cast<size_t>(std::max(max_index_bytes, 0)) /
                                            format::time_index_entry_size);
}

bool time_index::load() {
    entries_.clear();
    int64_t size = file_util::file_size(fd_);
    if (size < 0 || size % format::time_index_entry_size != 0) return false;
    std::vector<uint8_t> raw(static_cast<size_t>(size));
    if (file_util::pread_full(fd_, raw.data(), raw.size(), 0) != size) return false;
    for (size_t at = 0; at < raw.size(); at += format::time_index_entry_size) {
        entry e{static_cast<int64_t>(format::load_be64(&raw[at])),
                base_offset_ + format::load_be32(&raw[at + 8])};
        bool grows = entries_.empty() ||
                     (e.timestamp > entries_.back().timestamp && e.offset >= entries_.back().offset);
        if (!grows || e.timestamp < 0) {
            entries_.clear();
            return false;
        }
        entries_.push_back(e);
    }
    return true;
}

bool time_index::maybe_append(int64_t timestamp, int64_t offset, bool even_if_full) {
    if (timestamp < 0) return true;  // batches without timestamps are not indexed
    if (!entries_.empty() && timestamp <= entries_.back().timestamp) return true;
    if (is_full() && !even_if_full) return true;
    uint8_t raw[format::time_index_entry_size];
    format::store_be64(raw, static_cast<uint64_t>(timestamp));
    format::store_be32(raw + 8, static_cast<uint32_t>(offset - base_offset_));
    uint64_t at = entries_.size() * format::time_index_entry_size;
    if (!file_util::pwrite_all(fd_, raw, sizeof raw, at)) return false;
    entries_.push_back({timestamp, offset});
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
    return ::ftruncate(fd_, static_cast<off_t>(entries_.size() * format::time_index_entry_size)) == 0;
}

std::optional<time_index::entry> time_index::last_entry() const {
    if (entries_.empty()) return std::nullopt;
    return entries_.back();
}

bool time_index::sync() const { return ::fdatasync(fd_) == 0; }

}  // namespace sluice::log

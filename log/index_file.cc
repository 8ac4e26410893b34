#include "log/index_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "log/file_util.h"
#include "log/index_block_cache.h"

namespace sluice::log {

namespace {
// Entries read per pread while loading: a fixed buffer, whatever the file size.
constexpr size_t scan_entries = 2048;
}  // namespace

index_file::index_file(size_t entry_size)
    : entry_size_(entry_size), block_entries_(index_block_cache::block_bytes / entry_size) {}

bool index_file::open(const std::filesystem::path& path) {
    path_ = path;
    file_id_ = index_block_cache::new_file_id();
    persisted_ = 0;
    pending_.clear();
    return file_util::create_file(path, false);
}

bool index_file::scan_file(bool (*each)(void*, const uint8_t*), void* context) {
    persisted_ = 0;
    pending_.clear();
    file_id_ = index_block_cache::new_file_id();
    int fd = file_util::open_file(path_, O_RDONLY);
    if (fd < 0) return false;
    int64_t size = file_util::file_size(fd);
    bool ok = size >= 0 && static_cast<uint64_t>(size) % entry_size_ == 0;
    std::vector<uint8_t> buffer(ok ? std::min<uint64_t>(static_cast<uint64_t>(size), scan_entries * entry_size_) : 0);
    for (uint64_t at = 0; ok && at < static_cast<uint64_t>(size); at += buffer.size()) {
        size_t want = static_cast<size_t>(std::min<uint64_t>(buffer.size(), static_cast<uint64_t>(size) - at));
        ok = file_util::pread_full(fd, buffer.data(), want, at) == static_cast<int64_t>(want);
        for (size_t i = 0; ok && i < want; i += entry_size_) ok = each(context, buffer.data() + i);
    }
    ::close(fd);
    if (ok) persisted_ = static_cast<size_t>(size) / entry_size_;
    return ok;
}

void index_file::append(const uint8_t* entry) {
    pending_.insert(pending_.end(), entry, entry + entry_size_);
    // A failed write keeps the entries pending; the next append or persist() retries.
    if (pending_.size() >= pending_limit_bytes) persist();
}

bool index_file::persist() {
    if (pending_.empty()) return true;
    if (!file_util::write_file_at(path_, pending_.data(), pending_.size(), persisted_ * entry_size_)) return false;
    persisted_ += pending_.size() / entry_size_;
    pending_.clear();
    pending_.shrink_to_fit();  // a closed segment keeps no buffer
    return true;
}

bool index_file::truncate(size_t count) {
    if (count >= size()) return true;
    if (count >= persisted_) {
        pending_.resize((count - persisted_) * entry_size_);
        return true;
    }
    pending_.clear();
    persisted_ = count;
    file_id_ = index_block_cache::new_file_id();
    return file_util::truncate_file(path_, count * entry_size_);
}

bool index_file::reset() {
    pending_.clear();
    persisted_ = 0;
    file_id_ = index_block_cache::new_file_id();
    return file_util::truncate_file(path_, 0);
}

int64_t index_file::load_block(const void* context, uint64_t position, uint8_t* out, size_t size) {
    const auto* self = static_cast<const index_file*>(context);
    int fd = file_util::open_file(self->path_, O_RDONLY);
    if (fd < 0) return -1;
    int64_t got = file_util::pread_full(fd, out, size, position);
    ::close(fd);
    return got;
}

bool index_file::read(size_t i, uint8_t* out) const {
    if (i >= persisted_) {
        size_t at = (i - persisted_) * entry_size_;
        if (at + entry_size_ > pending_.size()) return false;
        std::memcpy(out, pending_.data() + at, entry_size_);
        return true;
    }
    const size_t in_block = i % block_entries_;
    auto block = index_block_cache::local().get(file_id_, i / block_entries_, block_entries_ * entry_size_,
                                                (in_block + 1) * entry_size_, &index_file::load_block, this);
    if (block.empty()) return false;
    std::memcpy(out, block.data() + in_block * entry_size_, entry_size_);
    return true;
}

bool index_file::sync() const { return file_util::sync_file(path_); }

}  // namespace sluice::log

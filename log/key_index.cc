#include "log/key_index.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "log/file_util.h"
#include "log/format.h"
#include "protocol/crc32c.h"
#include "protocol/record_batch.h"

namespace sluice::log {

namespace {

constexpr size_t header_size = format::key_index_header_size;
constexpr size_t entry_size = format::key_index_entry_size;
// Reads of the .log (rebuild) and of the file (validation, loading) go
// through buffers of this size: memory stays flat whatever the segment size.
constexpr size_t chunk_bytes = 1 << 20;

uint64_t xxh3(protocol::bytes_view key) { return XXH3_64bits(key.data(), key.size()); }

std::atomic<key_hash_fn> hash_fn{&xxh3};

struct header_fields {
    int64_t base_offset = 0;
    uint64_t log_size = 0;
    int64_t next_offset = 0;
    uint64_t count = 0;
    uint32_t entries_crc = 0;
};

void encode_header(const header_fields& h, uint8_t* out) {
    format::store_be32(out, format::key_index_magic);
    format::store_be32(out + 4, (uint32_t{format::key_index_version} << 16) | uint32_t{entry_size});
    format::store_be64(out + 8, static_cast<uint64_t>(h.base_offset));
    format::store_be64(out + 16, h.log_size);
    format::store_be64(out + 24, static_cast<uint64_t>(h.next_offset));
    format::store_be64(out + 32, h.count);
    format::store_be32(out + 40, h.entries_crc);
    format::store_be32(out + 44, protocol::crc32c(out, 44));
}

// The header of an open file, checked on its own and against the file size.
std::optional<header_fields> read_header(int fd) {
    uint8_t raw[header_size];
    if (file_util::pread_full(fd, raw, sizeof raw, 0) != static_cast<int64_t>(sizeof raw)) return std::nullopt;
    if (format::load_be32(raw) != format::key_index_magic ||
        format::load_be32(raw + 4) != ((uint32_t{format::key_index_version} << 16) | uint32_t{entry_size}) ||
        format::load_be32(raw + 44) != protocol::crc32c(raw, 44)) {
        return std::nullopt;
    }
    header_fields h;
    h.base_offset = static_cast<int64_t>(format::load_be64(raw + 8));
    h.log_size = format::load_be64(raw + 16);
    h.next_offset = static_cast<int64_t>(format::load_be64(raw + 24));
    h.count = format::load_be64(raw + 32);
    h.entries_crc = format::load_be32(raw + 40);
    const int64_t size = file_util::file_size(fd);
    if (size < 0 || h.count > (UINT64_MAX - header_size) / entry_size ||
        static_cast<uint64_t>(size) != header_size + h.count * entry_size) {
        return std::nullopt;
    }
    return h;
}

struct file_entry {
    uint64_t hash;
    uint32_t relative_offset;
    uint32_t position;
    uint32_t record_delta;
};

file_entry decode_entry(const uint8_t* p) {
    return {format::load_be64(p), format::load_be32(p + 8), format::load_be32(p + 12), format::load_be32(p + 16)};
}

// Hashes are uniform: one counting pass spreads the items over about
// size/4 buckets by their top bits, each bucket is then sorted on its own
// (std::sort: a bucket that crafted keys fill stays n log n). Linear in
// practice, where sorting all of them cost most of a seal.
template <typename T>
void sort_by_hash(std::vector<T>& items) {
    if (items.size() < 64) {
        std::sort(items.begin(), items.end(), [](const T& a, const T& b) { return a.hash < b.hash; });
        return;
    }
    int bits = 1;
    while ((size_t{1} << (bits + 2)) < items.size() && bits < 24) ++bits;
    const int shift = 64 - bits;
    std::vector<uint32_t> starts((size_t{1} << bits) + 1, 0);
    for (const T& t : items) ++starts[(t.hash >> shift) + 1];
    for (size_t i = 1; i < starts.size(); ++i) starts[i] += starts[i - 1];
    std::vector<T> sorted(items.size());
    std::vector<uint32_t> next(starts.begin(), starts.end() - 1);
    for (const T& t : items) sorted[next[t.hash >> shift]++] = t;
    for (size_t b = 0; b + 1 < starts.size(); ++b) {
        if (starts[b + 1] - starts[b] > 1) {
            std::sort(sorted.begin() + starts[b], sorted.begin() + starts[b + 1],
                      [](const T& x, const T& y) { return x.hash < y.hash; });
        }
    }
    items.swap(sorted);
}

// Closes the descriptor whatever path leaves the scope.
struct fd_guard {
    int fd;
    ~fd_guard() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

uint64_t key_index::hash(protocol::bytes_view key) { return hash_fn.load(std::memory_order_relaxed)(key); }

void key_index::set_hash_for_testing(key_hash_fn fn) { hash_fn.store(fn ? fn : &xxh3, std::memory_order_relaxed); }

key_index::key_index(std::filesystem::path file, int64_t base_offset)
    : file_(std::move(file)), base_offset_(base_offset) {}

const key_index::slot* key_index::find_slot(const std::vector<slot>& slots, uint64_t h) {
    if (slots.empty()) return nullptr;
    const size_t mask = slots.size() - 1;
    for (size_t i = static_cast<size_t>(h) & mask;; i = (i + 1) & mask) {
        const slot& s = slots[i];
        if (s.newest == no_entry) return nullptr;
        if (s.hash == h) return &s;
    }
}

void key_index::grow_table() {
    std::vector<slot> old(std::max<size_t>(slots_.size() * 2, 1024), slot{0, no_entry});
    old.swap(slots_);
    slots_used_ = 0;
    for (const slot& s : old) {
        if (s.newest != no_entry) newest_for_insert(s.hash) = s.newest;
    }
}

uint32_t& key_index::newest_for_insert(uint64_t h) {
    if ((slots_used_ + 1) * 10 > slots_.size() * 7) grow_table();
    const size_t mask = slots_.size() - 1;
    for (size_t i = static_cast<size_t>(h) & mask;; i = (i + 1) & mask) {
        slot& s = slots_[i];
        if (s.newest == no_entry) {
            s.hash = h;
            ++slots_used_;
            return s.newest;  // no_entry until the caller sets it
        }
        if (s.hash == h) return s.newest;
    }
}

void key_index::add(uint64_t h, uint32_t relative_offset, uint32_t position, uint32_t record_delta) {
    uint32_t& newest = newest_for_insert(h);
    entries_.push_back({relative_offset, position, record_delta, newest});
    newest = static_cast<uint32_t>(entries_.size() - 1);
    memory_count_ = entries_.size();
}

void key_index::add_uncompressed(protocol::bytes_view batch, int64_t batch_base, int32_t count, uint32_t position) {
    protocol::reader r(batch.subspan(protocol::batch_header_size));
    for (int32_t i = 0; i < count; ++i) {
        const auto record_delta = static_cast<uint32_t>(batch.size() - r.remaining());
        const int32_t length = r.read_varint();
        if (!r.ok() || length <= 0 || static_cast<size_t>(length) > r.remaining()) return;
        protocol::reader rec(r.read_raw(static_cast<size_t>(length)));
        (void)rec.read_int8();     // attributes
        (void)rec.read_varlong();  // timestamp delta
        const int64_t offset = batch_base + rec.read_varint();
        const int32_t key_length = rec.read_varint();
        if (!rec.ok() || key_length > static_cast<int32_t>(rec.remaining())) return;
        if (key_length < 0 || offset < base_offset_ || offset - base_offset_ > INT32_MAX) continue;
        add(hash(rec.read_raw(static_cast<size_t>(key_length))), static_cast<uint32_t>(offset - base_offset_), position,
            record_delta);
    }
}

void key_index::add_batch(protocol::bytes_view batch, uint64_t position) {
    if (pending_) settle_seal(false);
    auto header = protocol::read_batch_header(batch);
    if (!header || header->is_control() || header->magic != protocol::current_magic) return;
    const auto pos = static_cast<uint32_t>(position);
    if (header->codec() == protocol::compression::none) {
        if (batch.size() < header->total_size()) return;
        return add_uncompressed(batch.first(header->total_size()), header->base_offset, header->record_count, pos);
    }
    protocol::for_each_record(batch, [&](const protocol::record_view& r) {
        if (!r.key || r.offset < base_offset_ || r.offset - base_offset_ > INT32_MAX) return;
        add(hash(*r.key), static_cast<uint32_t>(r.offset - base_offset_), pos, 0);
    });
}

void key_index::truncate_from(int64_t offset) {
    settle_seal(false);
    const auto cut_offset = static_cast<uint32_t>(std::clamp<int64_t>(offset - base_offset_, 0, UINT32_MAX));
    // Entries are in offset order: the tail goes, and each hash's newest
    // entry steps back past it.
    const auto cut = static_cast<uint32_t>(
        std::lower_bound(entries_.begin(), entries_.end(), cut_offset,
                         [](const packed& p, uint32_t o) { return p.relative_offset < o; }) -
        entries_.begin());
    std::vector<slot> kept;
    for (const slot& s : slots_) {
        if (s.newest == no_entry) continue;
        uint32_t at = s.newest;
        while (at != no_entry && at >= cut) at = entries_[at].previous;
        if (at != no_entry) kept.push_back({s.hash, at});
    }
    std::fill(slots_.begin(), slots_.end(), slot{0, no_entry});
    slots_used_ = 0;
    for (const slot& s : kept) newest_for_insert(s.hash) = s.newest;
    entries_.resize(cut);
    memory_count_ = entries_.size();
}

void key_index::drop_memory() {
    // Swapped out: clear() would keep the capacity and the buckets.
    decltype(entries_)().swap(entries_);
    decltype(slots_)().swap(slots_);
    slots_used_ = 0;
    memory_count_ = 0;
}

void key_index::reset() {
    settle_seal(false);
    drop_memory();
    sealed_ = false;
    sealed_count_ = 0;
}

size_t key_index::entry_count() const {
    if (pending_) return pending_->entries_.size();
    return sealed_ ? sealed_count_ : memory_count_;
}

size_t key_index::memory_bytes() const {
    if (pending_) return pending_->entries_.capacity() * sizeof(packed) + pending_->slots_.capacity() * sizeof(slot);
    if (sealed_) return 0;
    return entries_.capacity() * sizeof(packed) + slots_.capacity() * sizeof(slot);
}

namespace {

// The file's bytes for these entries, in (hash, offset) order: the
// distinct hashes sorted (sort_by_hash, linear in practice), then each
// hash's chain walked and put back in offset order. Sorting every entry
// took most of the seal's time.
template <typename Packed, typename Slot>
std::vector<uint8_t> encode_file(const std::vector<Packed>& entries, const std::vector<Slot>& slots, size_t used,
                                 int64_t base_offset, uint64_t log_size, int64_t next_offset, size_t& count) {
    constexpr uint32_t none = UINT32_MAX;
    std::vector<Slot> hashes;
    hashes.reserve(used);
    for (const Slot& s : slots) {
        if (s.newest != none) hashes.push_back(s);
    }
    sort_by_hash(hashes);
    std::vector<file_entry> all;
    all.reserve(entries.size());
    for (const Slot& s : hashes) {
        const size_t first = all.size();
        for (uint32_t at = s.newest; at != none; at = entries[at].previous) {
            const Packed& p = entries[at];
            all.push_back({s.hash, p.relative_offset, p.position, p.record_delta});
        }
        std::reverse(all.begin() + static_cast<std::ptrdiff_t>(first), all.end());
    }
    std::vector<uint8_t> bytes(header_size + all.size() * entry_size);  // every byte written below
    for (size_t i = 0; i < all.size(); ++i) {
        uint8_t* p = bytes.data() + header_size + i * entry_size;
        format::store_be64(p, all[i].hash);
        format::store_be32(p + 8, all[i].relative_offset);
        format::store_be32(p + 12, all[i].position);
        format::store_be32(p + 16, all[i].record_delta);
    }
    header_fields h{base_offset, log_size, next_offset, all.size(),
                    protocol::crc32c(bytes.data() + header_size, bytes.size() - header_size)};
    encode_header(h, bytes.data());
    count = all.size();
    return bytes;
}

// Through `<file>.tmp` and a rename; `keep` is asked right before the
// rename (false: the tmp goes, nothing is renamed).
template <typename Keep>
bool write_file(const std::filesystem::path& file, const std::vector<uint8_t>& bytes, Keep&& keep) {
    auto tmp = file;
    tmp += std::string(format::temp_suffix);
    if (!file_util::create_file(tmp, true) || !file_util::write_file_at(tmp, bytes.data(), bytes.size(), 0)) {
        spdlog::warn("log: cannot write {}: {}", file.string(), std::strerror(errno));
        ::unlink(tmp.c_str());
        return false;
    }
    if (!keep()) {
        ::unlink(tmp.c_str());
        return false;
    }
    if (::rename(tmp.c_str(), file.c_str()) != 0) {
        spdlog::warn("log: cannot write {}: {}", file.string(), std::strerror(errno));
        ::unlink(tmp.c_str());
        return false;
    }
    return true;
}

}  // namespace

bool key_index::seal(uint64_t log_size, int64_t next_offset) {
    settle_seal(true);
    if (sealed_) return true;
    size_t count = 0;
    auto bytes = encode_file(entries_, slots_, slots_used_, base_offset_, log_size, next_offset, count);
    if (!write_file(file_, bytes, [] { return true; })) return false;
    drop_memory();
    sealed_ = true;
    sealed_count_ = count;
    return true;
}

std::shared_ptr<key_index::pending_seal> key_index::begin_seal(uint64_t log_size, int64_t next_offset, int log_fd,
                                                               const std::string& log_name) {
    if (sealed_ || pending_) return nullptr;
    std::shared_ptr<pending_seal> p(new pending_seal);
    p->entries_ = std::move(entries_);
    p->slots_ = std::move(slots_);
    p->slots_used_ = slots_used_;
    p->file_ = file_;
    p->base_offset_ = base_offset_;
    p->log_size_ = log_size;
    p->next_offset_ = next_offset;
    p->log_fd_ = ::fcntl(log_fd, F_DUPFD_CLOEXEC, 0);
    p->log_name_ = log_name;
    drop_memory();
    pending_ = p;
    return p;
}

bool key_index::poll_seal() {
    if (!pending_) return false;
    switch (pending_->current()) {
        case pending_seal::state::queued:
            return true;
        case pending_seal::state::written:
            end_seal(true);
            return false;
        case pending_seal::state::failed:
        case pending_seal::state::dropped:
            end_seal(false);
            return false;
    }
    return true;
}

void key_index::settle_seal(bool write) {
    if (!pending_) return;
    {
        std::lock_guard lock(pending_->mutex_);
        if (pending_->current() == pending_seal::state::queued) {
            if (write) {
                pending_->state_.store(pending_->write() ? pending_seal::state::written : pending_seal::state::failed,
                                       std::memory_order_release);
            } else {
                pending_->state_.store(pending_seal::state::dropped, std::memory_order_release);
            }
        }
    }
    end_seal(write && pending_->current() == pending_seal::state::written);
}

void key_index::end_seal(bool adopt_file) {
    auto p = std::move(pending_);
    if (adopt_file) {
        sealed_ = true;
        sealed_count_ = p->entries_.size();
        return;
    }
    // The job is done with them (state no longer queued, under its mutex).
    entries_ = std::move(p->entries_);
    slots_ = std::move(p->slots_);
    slots_used_ = p->slots_used_;
    memory_count_ = entries_.size();
}

key_index::pending_seal::~pending_seal() {
    if (log_fd_ >= 0) ::close(log_fd_);
}

void key_index::pending_seal::run() {
    std::lock_guard lock(mutex_);
    if (current() != state::queued) return;
    state_.store(write() ? state::written : state::failed, std::memory_order_release);
}

bool key_index::pending_seal::write() {
    if (!still_ours()) return false;
    size_t count = 0;
    auto bytes = encode_file(entries_, slots_, slots_used_, base_offset_, log_size_, next_offset_, count);
    return write_file(file_, bytes, [this] { return still_ours(); });
}

bool key_index::pending_seal::still_ours() const {
    // The .log still linked, under its name, in the same directory: not
    // deleted by retention or with its topic, not renamed away by a
    // truncation or a cleaner swap.
    struct stat open_st {};
    struct stat named_st {};
    if (log_fd_ < 0 || ::fstat(log_fd_, &open_st) != 0 || open_st.st_nlink == 0) return false;
    const auto named = file_.parent_path() / log_name_;
    return ::stat(named.c_str(), &named_st) == 0 && named_st.st_dev == open_st.st_dev &&
           named_st.st_ino == open_st.st_ino;
}

bool key_index::open_sealed(uint64_t log_size, int64_t next_offset) {
    settle_seal(false);
    fd_guard f{file_util::open_file(file_, O_RDONLY)};
    if (f.fd < 0) return false;
    auto h = read_header(f.fd);
    if (!h || h->base_offset != base_offset_ || h->log_size != log_size || h->next_offset != next_offset) {
        return false;
    }
    // Every entry is read once: its CRC, and positions inside the .log.
    std::vector<uint8_t> buffer(std::min<uint64_t>(chunk_bytes, std::max<uint64_t>(h->count, 1) * entry_size));
    uint32_t crc = 0;
    uint64_t done = 0;
    while (done < h->count) {
        const uint64_t n = std::min<uint64_t>(h->count - done, buffer.size() / entry_size);
        const size_t bytes = static_cast<size_t>(n * entry_size);
        if (file_util::pread_full(f.fd, buffer.data(), bytes, header_size + done * entry_size) !=
            static_cast<int64_t>(bytes)) {
            return false;
        }
        crc = protocol::crc32c(buffer.data(), bytes, crc);
        for (uint64_t i = 0; i < n; ++i) {
            const file_entry e = decode_entry(buffer.data() + i * entry_size);
            if (e.position >= log_size || base_offset_ + int64_t{e.relative_offset} >= next_offset ||
                (e.record_delta != 0 && (e.record_delta < protocol::batch_header_size ||
                                         uint64_t{e.position} + e.record_delta >= log_size))) {
                return false;
            }
        }
        done += n;
    }
    if (crc != h->entries_crc) return false;
    drop_memory();
    sealed_ = true;
    sealed_count_ = static_cast<size_t>(h->count);
    return true;
}

bool key_index::ensure_in_memory(int log_fd, uint64_t log_size, int64_t next_offset) {
    settle_seal(false);
    if (!sealed_) return true;
    if (!open_sealed(log_size, next_offset)) return rebuild(log_fd, log_size);
    fd_guard f{file_util::open_file(file_, O_RDONLY)};
    if (f.fd < 0) return rebuild(log_fd, log_size);
    std::vector<uint8_t> buffer(chunk_bytes);
    std::vector<file_entry> loaded;
    loaded.reserve(sealed_count_);
    uint64_t done = 0;
    while (done < sealed_count_) {
        const uint64_t n = std::min<uint64_t>(sealed_count_ - done, buffer.size() / entry_size);
        const size_t bytes = static_cast<size_t>(n * entry_size);
        if (file_util::pread_full(f.fd, buffer.data(), bytes, header_size + done * entry_size) !=
            static_cast<int64_t>(bytes)) {
            return rebuild(log_fd, log_size);
        }
        for (uint64_t i = 0; i < n; ++i) loaded.push_back(decode_entry(buffer.data() + i * entry_size));
        done += n;
    }
    // Back in offset order, as appends made them.
    std::stable_sort(loaded.begin(), loaded.end(),
                     [](const file_entry& a, const file_entry& b) { return a.relative_offset < b.relative_offset; });
    sealed_ = false;
    sealed_count_ = 0;
    drop_memory();
    for (const auto& e : loaded) add(e.hash, e.relative_offset, e.position, e.record_delta);
    return true;
}

bool key_index::rebuild(int log_fd, uint64_t log_size) {
    reset();
    std::vector<uint8_t> buffer;
    uint64_t position = 0;
    while (position + protocol::batch_header_size <= log_size) {
        // A window from `position`: at least one whole batch, usually many.
        uint8_t raw[protocol::batch_header_size];
        if (file_util::pread_full(log_fd, raw, sizeof raw, position) != static_cast<int64_t>(sizeof raw)) break;
        auto first = protocol::read_batch_header(protocol::bytes_view(raw, sizeof raw));
        if (!first || first->batch_length < 0 || position + first->total_size() > log_size) break;
        const uint64_t want = std::min<uint64_t>(log_size - position, std::max<uint64_t>(first->total_size(), chunk_bytes));
        buffer.resize(static_cast<size_t>(want));
        if (file_util::pread_full(log_fd, buffer.data(), buffer.size(), position) != static_cast<int64_t>(want)) {
            spdlog::warn("log: cannot read the .log for {}: {}", file_.string(), std::strerror(errno));
            return false;
        }
        protocol::batch_iterator it{protocol::bytes_view(buffer.data(), buffer.size())};
        uint64_t at = position;
        while (auto batch = it.next()) {
            add_batch(*batch, at);
            at += batch->size();
        }
        if (at == position) break;  // garbage where a batch should be: recovery's business
        position = at;
    }
    return true;
}

std::vector<key_entry> key_index::lookup(protocol::bytes_view key) const {
    const uint64_t h = hash(key);
    if (sealed_) return lookup_sealed(h);
    // While a seal is pending the frozen entries answer: the owner never
    // changes them, the job only reads them.
    const auto& entries = pending_ ? pending_->entries_ : entries_;
    std::vector<key_entry> out;
    const slot* found = find_slot(pending_ ? pending_->slots_ : slots_, h);
    if (found == nullptr) return out;
    for (uint32_t at = found->newest; at != no_entry; at = entries[at].previous) {
        const packed& p = entries[at];
        out.push_back({base_offset_ + int64_t{p.relative_offset}, p.position, p.record_delta});
    }
    std::reverse(out.begin(), out.end());
    return out;
}

std::vector<key_entry> key_index::lookup_sealed(uint64_t h) const {
    std::vector<key_entry> out;
    fd_guard f{file_util::open_file(file_, O_RDONLY)};
    if (f.fd < 0) return out;
    uint8_t raw[entry_size];
    auto hash_at = [&](uint64_t i, bool& ok) {
        ok = file_util::pread_full(f.fd, raw, entry_size, header_size + i * entry_size) ==
             static_cast<int64_t>(entry_size);
        return ok ? format::load_be64(raw) : 0;
    };
    // The first entry with hash >= h.
    uint64_t lo = 0, hi = sealed_count_;
    while (lo < hi) {
        const uint64_t mid = lo + (hi - lo) / 2;
        bool ok = false;
        const uint64_t at = hash_at(mid, ok);
        if (!ok) return out;
        if (at < h) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    // The run of equal hashes, read a block at a time.
    constexpr uint64_t block = 256;
    std::vector<uint8_t> buffer(block * entry_size);
    for (uint64_t i = lo; i < sealed_count_;) {
        const uint64_t n = std::min<uint64_t>(block, sealed_count_ - i);
        const size_t bytes = static_cast<size_t>(n * entry_size);
        if (file_util::pread_full(f.fd, buffer.data(), bytes, header_size + i * entry_size) !=
            static_cast<int64_t>(bytes)) {
            return out;
        }
        for (uint64_t j = 0; j < n; ++j) {
            const file_entry e = decode_entry(buffer.data() + j * entry_size);
            if (e.hash != h) return out;
            out.push_back({base_offset_ + int64_t{e.relative_offset}, e.position, e.record_delta});
        }
        i += n;
    }
    return out;
}

}  // namespace sluice::log

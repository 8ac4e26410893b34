#pragma once
// The only memory index lookups keep: a bounded LRU of index file blocks
// (log/index_file.h reads through it). Its size is configuration
// (`log.index.cache.bytes`), not data: a broker holding a terabyte of log
// holds the same few MiB of index here, and every other index byte stays in
// the kernel's page cache, where it is not counted against the broker.
//
// One cache per thread, so lookups take no lock (the data path has none);
// in practice the one I/O thread does nearly every lookup. Entries are keyed
// by a file version id (index_block_cache::new_file_id()): an index whose
// file is cut or rewritten takes a new id, so stale blocks are never found
// again and simply age out. A block cached while the file was shorter is
// re-read when a reader needs bytes past what it holds.
#include <cstddef>
#include <cstdint>
#include <list>
#include <span>
#include <unordered_map>
#include <vector>

namespace sluice::log {

class index_block_cache {
public:
    // Block size in entries is block_bytes / entry size, so entries never straddle blocks.
    static constexpr size_t block_bytes = 4096;
    static constexpr size_t default_capacity_bytes = 8 << 20;
    // Whatever is configured, a thread keeps this many blocks so one lookup always fits.
    static constexpr size_t min_blocks = 4;

    // Process-wide; each thread's cache honours it from its next insertion on.
    static void set_capacity(size_t bytes);
    static size_t capacity();
    // A number never handed out before, naming one version of one file's content.
    static uint64_t new_file_id();
    // The calling thread's cache.
    static index_block_cache& local();

    // Reads `size` bytes of the block at `position` into `out`; returns the
    // bytes read (fewer at EOF) or -1.
    using loader = int64_t (*)(const void* context, uint64_t position, uint8_t* out, size_t size);

    // At least `min_size` bytes of block `number` of file `file_id` (block
    // size `size`), loading it through `load` on a miss. Empty when the
    // load fails or gives fewer than `min_size` bytes. Valid until the next
    // call on this thread.
    std::span<const uint8_t> get(uint64_t file_id, uint64_t number, size_t size, size_t min_size, loader load,
                                 const void* context);

    size_t bytes() const { return blocks_.size() * block_bytes; }  // charged per block, full size
    uint64_t misses() const { return misses_; }

private:
    struct key {
        uint64_t file_id;
        uint64_t number;
        bool operator==(const key&) const = default;
    };
    struct key_hash {
        size_t operator()(const key& k) const { return std::hash<uint64_t>()(k.file_id * 0x9e3779b97f4a7c15ULL ^ k.number); }
    };
    struct block {
        key id;
        std::vector<uint8_t> data;  // the valid bytes, at most one block
    };

    void evict_to(size_t max_blocks);

    std::list<block> blocks_;  // most recently used first
    std::unordered_map<key, std::list<block>::iterator, key_hash> by_key_;
    uint64_t misses_ = 0;
};

}  // namespace sluice::log

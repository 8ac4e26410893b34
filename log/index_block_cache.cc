#include "log/index_block_cache.h"

#include <algorithm>
#include <atomic>

namespace sluice::log {

namespace {
std::atomic<size_t> configured_capacity{index_block_cache::default_capacity_bytes};
std::atomic<uint64_t> next_file_id{1};
}  // namespace

void index_block_cache::set_capacity(size_t bytes) { configured_capacity.store(bytes, std::memory_order_relaxed); }

size_t index_block_cache::capacity() { return configured_capacity.load(std::memory_order_relaxed); }

uint64_t index_block_cache::new_file_id() { return next_file_id.fetch_add(1, std::memory_order_relaxed); }

index_block_cache& index_block_cache::local() {
    thread_local index_block_cache cache;
    return cache;
}

void index_block_cache::evict_to(size_t max_blocks) {
    while (blocks_.size() > max_blocks) {
        by_key_.erase(blocks_.back().id);
        blocks_.pop_back();
    }
}

std::span<const uint8_t> index_block_cache::get(uint64_t file_id, uint64_t number, size_t size, size_t min_size,
                                                loader load, const void* context) {
    const key k{file_id, number};
    auto found = by_key_.find(k);
    if (found != by_key_.end()) {
        blocks_.splice(blocks_.begin(), blocks_, found->second);
        if (found->second->data.size() >= min_size) return found->second->data;
    } else {
        // Room first, so the new block is never the one evicted.
        evict_to(std::max(capacity() / block_bytes, min_blocks) - 1);
        blocks_.push_front(block{k, {}});
        by_key_.emplace(k, blocks_.begin());
    }
    // A miss, or the file grew past what the cached copy holds.
    ++misses_;
    std::vector<uint8_t>& data = blocks_.front().data;
    data.resize(size);
    int64_t got = load(context, number * size, data.data(), size);
    data.resize(got > 0 ? static_cast<size_t>(got) : 0);
    if (got < 0 || data.size() < min_size) {
        by_key_.erase(k);
        blocks_.pop_front();
        return {};
    }
    data.shrink_to_fit();
    return data;
}

}  // namespace sluice::log

#include "log/leader_epoch_cache.h"

#include <algorithm>

namespace sluice::log {

bool leader_epoch_cache::load() {
    auto loaded = read_epoch_checkpoint(file_);
    entries_ = loaded.value_or(std::vector<epoch_entry>{});
    dirty_ = false;
    return loaded.has_value();
}

void leader_epoch_cache::assign(int32_t epoch, int64_t start_offset) {
    if (epoch < 0) return;
    if (!entries_.empty() && epoch <= entries_.back().epoch) return;
    // A newer epoch cannot start before the previous one did.
    start_offset = entries_.empty() ? start_offset : std::max(start_offset, entries_.back().start_offset);
    entries_.push_back({epoch, start_offset});
    dirty_ = true;
}

void leader_epoch_cache::truncate_from_end(int64_t end_offset) {
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [&](const epoch_entry& e) { return e.start_offset >= end_offset; });
    if (it == entries_.end()) return;
    entries_.erase(it, entries_.end());
    dirty_ = true;
}

void leader_epoch_cache::truncate_from_start(int64_t start_offset) {
    // The last entry starting at or before `start_offset` survives, moved to it.
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [&](const epoch_entry& e) { return e.start_offset > start_offset; });
    if (it == entries_.begin()) return;
    auto containing = std::prev(it);
    if (containing == entries_.begin() && containing->start_offset == start_offset) return;
    containing->start_offset = start_offset;
    entries_.erase(entries_.begin(), containing);
    dirty_ = true;
}

void leader_epoch_cache::clear() {
    if (!entries_.empty()) dirty_ = true;
    entries_.clear();
}

std::optional<int32_t> leader_epoch_cache::latest_epoch() const {
    if (entries_.empty()) return std::nullopt;
    return entries_.back().epoch;
}

namespace {

epoch_entry end_offset_in(std::span<const epoch_entry> entries, int32_t epoch, int64_t log_end_offset) {
    if (epoch < 0) return {-1, -1};
    if (!entries.empty() && entries.back().epoch == epoch) return {epoch, log_end_offset};
    auto next = std::find_if(entries.begin(), entries.end(), [&](const epoch_entry& e) { return e.epoch > epoch; });
    if (next == entries.end()) return {-1, -1};  // newer than any epoch known
    // Older than every epoch known (their records are gone): the start of
    // the first known one, so a follower replicates from there.
    if (next == entries.begin()) return {epoch, next->start_offset};
    return {std::prev(next)->epoch, next->start_offset};
}

}  // namespace

epoch_entry leader_epoch_cache::end_offset_for(int32_t epoch, int64_t log_end_offset) const {
    return end_offset_in(entries_, epoch, log_end_offset);
}

epoch_entry leader_epoch_cache::end_offset_before(int64_t end_offset, int32_t epoch, int64_t log_end_offset) const {
    auto kept = std::find_if(entries_.begin(), entries_.end(),
                             [&](const epoch_entry& e) { return e.start_offset >= end_offset; });
    return end_offset_in(std::span<const epoch_entry>(entries_.begin(), kept), epoch, log_end_offset);
}

bool leader_epoch_cache::write() {
    if (!write_epoch_checkpoint(file_, entries_)) return false;
    dirty_ = false;
    return true;
}

}  // namespace sluice::log

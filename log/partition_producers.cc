// partition_log's producer state (log/producer_state.h): loaded at open from
// the newest snapshot plus the batches after it, kept up to date by every
// append, snapshotted at each roll and at close, reloaded after truncation.
#include <spdlog/spdlog.h>

#include "log/partition_log.h"
#include "log/producer_snapshot.h"
#include "log/segment_swap.h"

namespace sluice::log {

namespace {

std::optional<std::vector<producer_entry>> read_snapshot(const std::filesystem::path& path) {
    std::string bytes;
    if (!file_util::read_small_file(path, bytes)) return std::nullopt;
    return producer_snapshot::decode(bytes);
}

}  // namespace

void partition_log::replay_producers_from(int64_t offset) {
    for (size_t i = segment_index_for(offset); i < segments_.size(); ++i) {
        const auto& seg = segments_[i];
        auto first = seg->find_batch(offset);
        if (!first) continue;
        seg->for_each_batch(first->position, [&](const batch_position& b) {
            if (b.header.base_offset >= offset) producers_.replay(b.header);
            return true;
        });
    }
}

void partition_log::load_producers(bool clean_shutdown) {
    producers_.clear();
    const int64_t end = log_end_offset();
    auto offsets = producer_snapshot::list(dir_);
    std::optional<int64_t> loaded_at;
    for (auto it = offsets.rbegin(); it != offsets.rend(); ++it) {
        const auto path = producer_snapshot::path_for(dir_, *it);
        if (*it > end) {
            // Describes batches the log no longer has (a crash cut it back).
            std::filesystem::remove(path);
            continue;
        }
        if (auto entries = read_snapshot(path)) {
            producers_.load(std::move(*entries));
            loaded_at = *it;
            break;
        }
        spdlog::warn("log: ignoring damaged producer snapshot {}", path.string());
        std::filesystem::remove(path);
    }
    if (!loaded_at && clean_shutdown) {
        // A clean log without snapshots was written before producer state
        // existed (Kafka's upgrade path): nothing to replay.
        return;
    }
    replay_producers_from(loaded_at.value_or(log_start_offset()));
    producers_.evict_below(log_start_offset());
}

void partition_log::snapshot_producers() { producer_snapshot::write(dir_, log_end_offset(), producers_); }

void partition_log::drop_producer_snapshots_above(int64_t offset, truncation& result) {
    for (int64_t at : producer_snapshot::list(dir_)) {
        if (at <= offset) continue;
        // Renamed like the dropped segments, unlinked with them by the caller.
        const auto from = producer_snapshot::path_for(dir_, at);
        auto to = from;
        to += segment_swap::deleted_suffix;
        std::error_code ec;
        std::filesystem::rename(from, to, ec);
        if (!ec) result.deleted_files.push_back(std::move(to));
    }
}

size_t partition_log::expire_producers(int64_t now_ms, int64_t expiration_ms) {
    return producers_.expire(now_ms, expiration_ms);
}

}  // namespace sluice::log

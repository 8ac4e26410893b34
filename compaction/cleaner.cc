#include "compaction/cleaner.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "compaction/segment_reader.h"
#include "log/format.h"
#include "log/segment_swap.h"

namespace sluice::compaction {

const char* to_string(clean_error error) {
    switch (error) {
        case clean_error::none: return "none";
        case clean_error::io_error: return "io_error";
        case clean_error::corrupt_batch: return "corrupt_batch";
        case clean_error::map_too_small: return "map_too_small";
        case clean_error::stale: return "stale";
    }
    return "unknown";
}

std::string staged_suffix(log::log_incarnation incarnation) {
    return "." + std::to_string(static_cast<uint64_t>(incarnation)) + std::string(log::segment_swap::cleaned_suffix);
}

cleaner::cleaner(const cleaner_config& config, throttler* throttle)
    : config_(config),
      throttle_(throttle),
      map_(config.map_bytes_per_thread(), config.load_factor),
      filter_(map_) {}

clean_error cleaner::build_map(const clean_task& task, int64_t& end_offset, clean_stats& stats) {
    map_.clear();
    end_offset = task.segments.empty() ? task.first_dirty_offset : task.segments.back().next_offset;
    bool full = false;
    for (const auto& snap : task.segments) {
        if (snap.next_offset <= task.first_dirty_offset) continue;  // clean section
        segment_reader reader(snap, read_buffer_, config_.io_buffer_bytes, throttle_);
        while (auto batch = reader.next()) {
            auto header = protocol::read_batch_header(*batch);
            // Control batches carry no user keys (Kafka skips them too).
            if (!header || header->is_control() || header->last_offset() < task.first_dirty_offset) continue;
            // Aborted records never win a key (Kafka's map skips them too).
            if (header->is_transactional() && filter_.in_aborted_txn(*header)) continue;
            auto ec = protocol::for_each_record(*batch, [&](const protocol::record_view& r) {
                if (full || !r.key || r.offset < task.first_dirty_offset) return;
                if (map_.put(hash_key(*r.key), r.offset) == key_map::put_result::full) {
                    full = true;
                    end_offset = r.offset;  // everything before it is mapped
                }
            });
            if (ec != protocol::error_code::none) return clean_error::corrupt_batch;
            if (full) break;
        }
        stats.bytes_read += reader.bytes_read();
        if (reader.failed()) return clean_error::io_error;
        if (full) break;
    }
    stats.keys_mapped = map_.size();
    stats.map_bytes = map_.allocated_bytes();
    if (full && end_offset <= task.first_dirty_offset) return clean_error::map_too_small;
    return clean_error::none;
}

clean_error cleaner::write_group(const clean_task& task, size_t first, size_t last, cleaned_group& group,
                                 clean_stats& stats) {
    const auto& segments = task.segments;
    group.base_offset = segments[first].base_offset;
    group.suffix = staged_suffix(task.incarnation);
    auto staged = log::segment::create_staged(task.dir, group.base_offset, task.config, task.now_ms, group.suffix);
    if (!staged) return clean_error::io_error;
    auto flush = [&]() -> bool {
        if (write_buffer_.empty()) return true;
        bool ok = staged->append(write_buffer_, task.now_ms) == protocol::error_code::none;
        stats.bytes_written += write_buffer_.size();
        if (throttle_) throttle_->acquire(write_buffer_.size());
        write_buffer_.clear();
        return ok;
    };
    const int64_t tombstone_horizon = task.now_ms - task.config.delete_retention_ms;
    clean_error error = clean_error::none;
    for (size_t i = first; i <= last && error == clean_error::none; ++i) {
        const segment_snapshot& snap = segments[i];
        group.originals.push_back(snap.seg);
        group.original_sizes.push_back(snap.size);
        // Tombstones go once their segment was cleaned before (clean section)
        // and delete.retention.ms has passed since its newest record.
        const bool drop_tombstones =
            snap.next_offset <= task.first_dirty_offset && snap.largest_timestamp < tombstone_horizon;
        segment_reader reader(snap, read_buffer_, config_.io_buffer_bytes, throttle_);
        uint64_t position = 0;
        while (auto batch = reader.next()) {
            position += batch->size();
            const bool last_of_group = i == last && position == snap.size;
            error = filter_.filter(*batch, drop_tombstones, last_of_group, write_buffer_, stats);
            if (error != clean_error::none) break;
            if (write_buffer_.size() >= config_.io_buffer_bytes && !flush()) error = clean_error::io_error;
        }
        stats.bytes_read += reader.bytes_read();
        if (error == clean_error::none && reader.failed()) error = clean_error::io_error;
    }
    if (error == clean_error::none && !flush()) error = clean_error::io_error;
    write_buffer_.clear();
    if (error == clean_error::none) {
        staged->on_inactive();
        if (!staged->sync()) error = clean_error::io_error;
        group.next_offset = staged->next_offset();
        // The staged segment must end where its run did (recovery reads the
        // range from the file); only an empty last input can break that.
        if (group.next_offset != segments[last].next_offset) error = clean_error::io_error;
    }
    if (error != clean_error::none) staged->remove_files();
    return error;
}

clean_result cleaner::run(const clean_task& task) {
    clean_result result = run_passes(task);
    // An idle cleaner holds no key map: the memory is only in use while cleaning.
    map_.release();
    return result;
}

clean_result cleaner::run_passes(const clean_task& task) {
    clean_result result;
    result.tp = task.tp;
    result.incarnation = task.incarnation;
    result.dir = task.dir;
    result.next_dirty_offset = task.first_dirty_offset;
    int64_t end_offset = 0;
    filter_.begin_pass(task.aborted, task.producer_tails);
    result.error = build_map(task, end_offset, result.stats);
    if (result.error != clean_error::none) return result;

    // Cleanable segments that start below the end of this pass, in runs.
    size_t count = 0;
    while (count < task.segments.size() && task.segments[count].base_offset < end_offset) ++count;
    const auto& cfg = task.config;
    for (size_t first = 0; first < count;) {
        size_t last = first;
        uint64_t bytes = task.segments[first].size;
        size_t index_entries = task.segments[first].offset_index_entries;
        size_t time_entries = task.segments[first].time_index_entries;
        while (last + 1 < count) {
            const auto& next = task.segments[last + 1];
            if (bytes + next.size > static_cast<uint64_t>(cfg.segment_bytes) ||
                (index_entries + next.offset_index_entries + 1) * log::format::offset_index_entry_size >
                    static_cast<size_t>(cfg.segment_index_bytes) ||
                (time_entries + next.time_index_entries + 1) * log::format::time_index_entry_size >
                    static_cast<size_t>(cfg.segment_index_bytes) ||
                next.next_offset - 1 - task.segments[first].base_offset > INT32_MAX) {
                break;
            }
            ++last;
            bytes += next.size;
            index_entries += next.offset_index_entries;
            time_entries += next.time_index_entries;
        }
        if (bytes > 0) {
            cleaned_group group;
            result.error = write_group(task, first, last, group, result.stats);
            if (result.error != clean_error::none) {
                for (const auto& g : result.groups) discard_staged(task.dir, g);
                discard_staged(task.dir, group);  // the one that failed, written in part
                result.groups.clear();
                return result;
            }
            result.groups.push_back(std::move(group));
        }
        first = last + 1;
    }
    result.next_dirty_offset = end_offset;
    return result;
}

void discard_staged(const std::filesystem::path& dir, const cleaned_group& group) {
    std::error_code ec;
    for (const auto& path : log::segment_swap::segment_files(dir, group.base_offset, group.suffix)) {
        std::filesystem::remove(path, ec);
    }
}

}  // namespace sluice::compaction

#include "compaction/selection.h"

#include <algorithm>

namespace sluice::compaction {

namespace {

// Kafka's "first batch timestamp" of a segment: when its oldest data arrived.
int64_t first_batch_timestamp(const log::segment& seg) {
    int64_t ts = -1;
    seg.for_each_batch(0, [&](const log::batch_position& b) {
        ts = b.header.max_timestamp;
        return false;
    });
    return ts >= 0 ? ts : seg.largest_timestamp();
}

}  // namespace

log_selection measure(const log::partition_log& log, int64_t checkpoint, int64_t now_ms) {
    log_selection s;
    const auto& segments = log.segments();
    const log::log_config& config = log.config();
    const int64_t first_base = segments.front()->base_offset();
    // A checkpoint outside the log (truncation, a new log) starts over.
    s.first_dirty_offset = checkpoint < first_base || checkpoint > log.log_end_offset() ? first_base : checkpoint;

    // Never past an open transaction: whether its data stays is not known yet.
    int64_t uncleanable = std::min(segments.back()->base_offset(), log.last_stable_offset());
    if (config.min_compaction_lag_ms > 0) {
        for (size_t i = 0; i + 1 < segments.size(); ++i) {
            if (segments[i]->largest_timestamp() > now_ms - config.min_compaction_lag_ms) {
                uncleanable = std::min(uncleanable, segments[i]->base_offset());
                break;
            }
        }
    }
    s.first_uncleanable_offset = uncleanable;

    const log::segment* first_dirty = nullptr;
    for (size_t i = 0; i + 1 < segments.size() && segments[i]->next_offset() <= uncleanable; ++i) {
        const auto& seg = *segments[i];
        ++s.cleanable_segments;
        if (seg.next_offset() <= s.first_dirty_offset) {
            s.clean_bytes += seg.size();
        } else {
            s.dirty_bytes += seg.size();
            if (!first_dirty) first_dirty = &seg;
        }
    }
    if (s.dirty_bytes == 0) return s;
    s.dirty_ratio = static_cast<double>(s.dirty_bytes) / static_cast<double>(s.clean_bytes + s.dirty_bytes);
    if (config.max_compaction_lag_ms < INT64_MAX && first_dirty) {
        int64_t ts = first_batch_timestamp(*first_dirty);
        s.max_lag_exceeded = ts >= 0 && now_ms - ts > config.max_compaction_lag_ms;
    }
    s.should_clean = s.dirty_ratio >= config.min_cleanable_dirty_ratio || s.max_lag_exceeded;
    return s;
}

std::optional<clean_task> plan_cleaning(const log::partition_log& log, int64_t checkpoint, int64_t now_ms) {
    if (!log.config().compact) return std::nullopt;
    log_selection s = measure(log, checkpoint, now_ms);
    if (!s.should_clean) return std::nullopt;
    clean_task task;
    task.tp = log.partition();
    task.dir = log.dir();
    task.config = log.config();
    task.first_dirty_offset = s.first_dirty_offset;
    task.first_uncleanable_offset = s.first_uncleanable_offset;
    task.now_ms = now_ms;
    task.dirty_ratio = s.dirty_ratio;
    task.max_lag_exceeded = s.max_lag_exceeded;
    const auto& segments = log.segments();
    task.aborted = log.aborted_transactions(segments.front()->base_offset(), s.first_uncleanable_offset);
    for (const auto& [id, entry] : log.producers().producers()) {
        task.producer_tails[id.value()] = producer_tail{entry.last_offset(), entry.epoch.value()};
    }
    for (size_t i = 0; i < s.cleanable_segments; ++i) {
        const auto& seg = segments[i];
        task.segments.push_back({seg, seg->size(), seg->base_offset(), seg->next_offset(), seg->largest_timestamp(),
                                 seg->offsets().entry_count(), seg->times().entry_count()});
    }
    return task;
}

}  // namespace sluice::compaction

#include "log/retention.h"

namespace sluice::log {

size_t segments_past_retention(const std::vector<std::shared_ptr<segment>>& segments, const log_config& config,
                               int64_t log_start_offset, int64_t high_watermark, int64_t now_ms) {
    // Never the active segment, nor one that is not wholly below the high watermark.
    size_t deletable = 0;
    while (deletable + 1 < segments.size() && segments[deletable + 1]->base_offset() <= high_watermark) ++deletable;
    size_t count = 0;
    if (config.delete_retention && config.retention_ms >= 0) {
        while (count < deletable && segments[count]->largest_timestamp() < now_ms - config.retention_ms) ++count;
    }
    if (config.delete_retention && config.retention_bytes >= 0) {
        int64_t total = 0;
        for (size_t i = count; i < segments.size(); ++i) total += static_cast<int64_t>(segments[i]->size());
        int64_t excess = total - config.retention_bytes;
        while (count < deletable && excess - static_cast<int64_t>(segments[count]->size()) >= 0) {
            excess -= static_cast<int64_t>(segments[count]->size());
            ++count;
        }
    }
    // Wholly below the log start offset: the next segment starts at or below it.
    while (count < deletable && segments[count + 1]->base_offset() <= log_start_offset) ++count;
    return count;
}

}  // namespace sluice::log

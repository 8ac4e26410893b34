#pragma once
// Broker-wide settings of the log cleaner (Kafka's log.cleaner.* names).
// Per-topic settings (cleanup.policy, delete.retention.ms, the lags, the
// dirty ratio) live in log::log_config.
#include <cstddef>
#include <cstdint>
#include <limits>

namespace sluice::compaction {

struct cleaner_config {
    int threads = 1;                                   // log.cleaner.threads
    size_t dedupe_buffer_bytes = size_t{128} << 20;    // log.cleaner.dedupe.buffer.size (all threads)
    double load_factor = 0.9;                          // log.cleaner.io.buffer.load.factor
    size_t io_buffer_bytes = size_t{1} << 20;          // log.cleaner.io.buffer.size: read chunk
    double max_io_bytes_per_second = std::numeric_limits<double>::infinity();  // log.cleaner.io.max.bytes.per.second
    int64_t backoff_ms = 15000;                        // log.cleaner.backoff.ms: idle wait and retry after failure

    // The key map budget of one cleaner thread (Kafka splits the buffer too).
    size_t map_bytes_per_thread() const { return dedupe_buffer_bytes / static_cast<size_t>(threads > 0 ? threads : 1); }
};

}  // namespace sluice::compaction

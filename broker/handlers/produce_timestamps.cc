#include "broker/handlers/produce_timestamps.h"

#include <fmt/format.h>

namespace sluice::broker {

namespace {

// -1 is "no timestamp" (Kafka's NO_TIMESTAMP): never out of range.
constexpr int64_t no_timestamp = -1;

int64_t add_wrapping(int64_t a, int64_t b) {
    return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

// Kafka compares in 64-bit arithmetic with bounds up to Long.MAX; 128 bits
// keep the comparison exact at the extremes.
bool out_of_range(int64_t timestamp, int64_t now_ms, const topic_settings& s) {
    if (timestamp == no_timestamp) return false;
    const __int128 behind = static_cast<__int128>(now_ms) - timestamp;
    return behind > s.timestamp_before_max_ms || -behind > s.timestamp_after_max_ms;
}

}  // namespace

bool bounds_timestamps(const topic_settings& s) {
    return !s.storage.log_append_time && (s.timestamp_before_max_ms != INT64_MAX || s.timestamp_after_max_ms != INT64_MAX);
}

std::vector<timestamp_refusal> out_of_range_timestamps(protocol::bytes_view batch, const protocol::record_facts& facts,
                                                       const topic_settings& s, int64_t now_ms) {
    std::vector<timestamp_refusal> out;
    if (!bounds_timestamps(s) || facts.max_timestamp_delta == INT64_MIN) return out;
    auto header = protocol::read_batch_header(batch);
    if (!header) return out;
    // Every timestamp lies between the extremes, so extremes within bounds
    // clear the batch without a second walk, unless the lowest is -1, which
    // says nothing of the records above it.
    const int64_t lowest = add_wrapping(header->base_timestamp, facts.min_timestamp_delta);
    const int64_t highest = add_wrapping(header->base_timestamp, facts.max_timestamp_delta);
    if (lowest != no_timestamp && !out_of_range(lowest, now_ms, s) && !out_of_range(highest, now_ms, s)) return out;
    const int64_t earliest = static_cast<int64_t>(std::max<__int128>(static_cast<__int128>(now_ms) - s.timestamp_before_max_ms, INT64_MIN));
    const int64_t latest = static_cast<int64_t>(std::min<__int128>(static_cast<__int128>(now_ms) + s.timestamp_after_max_ms, INT64_MAX));
    int32_t index = 0;
    protocol::record_facts again;
    protocol::validate_each_record(batch, again, [&](const protocol::record_view& r) {
        if (out_of_range(r.timestamp, now_ms, s)) {
            out.push_back({index, fmt::format("Timestamp {} of message with offset {} is out of range. The timestamp "
                                              "should be within [{}, {}]",
                                              r.timestamp, r.offset, earliest, latest)});
        }
        ++index;
    });
    return out;
}

}  // namespace sluice::broker

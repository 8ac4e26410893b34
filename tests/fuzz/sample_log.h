#pragma once
// The small valid partition the segment fuzzer builds on and the corpus
// generator writes out: 12 batches of 1-3 records, leader epochs 0-2,
// index.interval.bytes 64 so both indexes have entries. Both must build it
// the same way, so it lives here.
#include <cstdint>
#include <filesystem>
#include <vector>

#include "log/partition_log.h"
#include "protocol/record_batch.h"

namespace sluice::fuzz {

inline constexpr int64_t sample_now_ms = 1'700'000'000'000;

inline protocol::bytes sample_batch(int count, int64_t first_timestamp) {
    std::vector<protocol::record> records;
    for (int i = 0; i < count; ++i) {
        protocol::record r;
        r.offset = i;
        r.timestamp = first_timestamp + i;
        r.key = protocol::bytes{'k', static_cast<uint8_t>(i)};
        r.value = protocol::bytes(24, static_cast<uint8_t>('a' + i));
        records.push_back(std::move(r));
    }
    return protocol::build_batch(records, {});
}

// Writes the sample partition into the empty directory `dir` as a cleanly
// closed log; returns its log end offset, or -1 on I/O error.
inline int64_t write_sample_partition(const std::filesystem::path& dir) {
    log::log_config config;
    config.index_interval_bytes = 64;
    protocol::error_code error;
    auto plog = log::partition_log::open(dir, {"t", 0}, config, false, error);
    if (!plog) return -1;
    for (int i = 0; i < 12; ++i) {
        protocol::bytes batch = sample_batch(1 + i % 3, sample_now_ms + 10 * i);
        if (plog->append(batch, i / 4, sample_now_ms).error != protocol::error_code::none) return -1;
    }
    plog->close();
    return plog->log_end_offset();
}

}  // namespace sluice::fuzz

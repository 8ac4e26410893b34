#pragma once
// Helpers shared by the log module's unit tests: a temp dir that cleans up,
// batch builders, and a reader that turns file slices back into batches.
#include "unit/temp_dir.h"
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "log/partition_log.h"
#include "protocol/record_batch.h"

namespace sluice::log::testing {

class temp_dir : public sluice::testing::temp_dir {
public:
    temp_dir() : sluice::testing::temp_dir("sluice-log-test") {}
};

// A batch of `count` records with timestamps `first_timestamp` + i and
// `value_size`-byte values; base offset 0 (the log assigns the real one).
inline protocol::bytes make_batch(int count, int64_t first_timestamp, size_t value_size = 16,
                                  bool log_append_time = false) {
    std::vector<protocol::record> records;
    for (int i = 0; i < count; ++i) {
        protocol::record r;
        r.offset = i;
        r.timestamp = first_timestamp + i;
        r.key = protocol::bytes{static_cast<uint8_t>('k'), static_cast<uint8_t>(i)};
        r.value = protocol::bytes(value_size, static_cast<uint8_t>('a' + i % 26));
        records.push_back(std::move(r));
    }
    protocol::batch_builder_options options;
    options.log_append_time = log_append_time;
    return protocol::build_batch(records, options);
}

// A batch of `count` small records from an idempotent (or, with
// `transactional`, a transactional) producer.
inline protocol::bytes make_producer_batch(int64_t producer_id, int16_t epoch, int32_t sequence, int count,
                                           bool transactional = false) {
    std::vector<protocol::record> records;
    for (int i = 0; i < count; ++i) {
        protocol::record r;
        r.offset = i;
        r.timestamp = 5000 + i;
        r.value = protocol::bytes{1, 2, 3};
        records.push_back(std::move(r));
    }
    protocol::batch_builder_options options;
    options.producer_id = producer_id;
    options.producer_epoch = epoch;
    options.base_sequence = sequence;
    options.transactional = transactional;
    return protocol::build_batch(records, options);
}

// A batch whose records carry exactly these timestamps.
inline protocol::bytes make_batch_with_timestamps(const std::vector<int64_t>& timestamps) {
    std::vector<protocol::record> records;
    for (size_t i = 0; i < timestamps.size(); ++i) {
        protocol::record r;
        r.offset = static_cast<int64_t>(i);
        r.timestamp = timestamps[i];
        r.value = protocol::bytes{1, 2, 3};
        records.push_back(std::move(r));
    }
    return protocol::build_batch(records, {});
}

// Appends a copy of `batch` (the log rewrites its header in place).
inline append_result append_copy(partition_log& log, const protocol::bytes& batch, int64_t now_ms,
                                 int32_t epoch = 0) {
    protocol::bytes copy = batch;
    return log.append(copy, epoch, now_ms);
}

// The bytes of a read, concatenated.
inline protocol::bytes slice_bytes(const read_result& result) {
    protocol::bytes out;
    for (const auto& s : result.slices) {
        size_t at = out.size();
        out.resize(at + s.length);
        ssize_t n = ::pread(s.fd, out.data() + at, s.length, static_cast<off_t>(s.offset));
        EXPECT_EQ(n, static_cast<ssize_t>(s.length));
    }
    return out;
}

// The headers of every batch in a read, checking each CRC.
inline std::vector<protocol::batch_header> read_headers(const read_result& result) {
    protocol::bytes data = slice_bytes(result);
    std::vector<protocol::batch_header> headers;
    protocol::batch_iterator it(data);
    while (auto batch = it.next()) {
        EXPECT_EQ(protocol::check_batch_crc(*batch), protocol::error_code::none);
        headers.push_back(*protocol::read_batch_header(*batch));
    }
    EXPECT_EQ(it.consumed(), data.size()) << "a read must cover whole batches";
    return headers;
}

// Every batch from the log start, with no size limit.
inline std::vector<protocol::batch_header> all_batches(const partition_log& log) {
    return read_headers(log.read(log.log_start_offset(), SIZE_MAX, INT64_MAX));
}

// A config that rolls small segments and indexes often, to exercise both.
inline log_config small_config() {
    log_config config;
    config.segment_bytes = 4096;
    config.index_interval_bytes = 256;
    return config;
}

inline std::unique_ptr<partition_log> open_log(const std::filesystem::path& dir, const log_config& config,
                                               bool clean_shutdown, int64_t recovery_point = 0) {
    partition_log::open_options options;
    options.clean_shutdown = clean_shutdown;
    options.recovery_point = recovery_point;
    options.now_ms = 1000;
    protocol::error_code error;
    auto log = partition_log::open(dir, topic_partition{"t", 0}, config, options, error);
    EXPECT_EQ(error, protocol::error_code::none);
    return log;
}

inline std::filesystem::path segment_file(const std::filesystem::path& dir, int64_t base, std::string_view suffix) {
    char name[32];
    std::snprintf(name, sizeof name, "%020lld", static_cast<long long>(base));
    return dir / (std::string(name) + std::string(suffix));
}

}  // namespace sluice::log::testing

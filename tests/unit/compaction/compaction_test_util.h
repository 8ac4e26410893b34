#pragma once
// Helpers for the compaction tests: keyed batches, a compacted partition log
// in a temp dir, one full plan/run/commit cycle, and reading a log back as
// records through partition_log::read.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "compaction/cleaner.h"
#include "compaction/log_cleaner.h"
#include "protocol/record_batch.h"
#include "unit/log/log_test_util.h"

namespace sluice::compaction::testing {

using log::testing::temp_dir;

inline protocol::bytes to_bytes(const std::string& s) { return protocol::bytes(s.begin(), s.end()); }
inline std::string to_string(const protocol::bytes& b) { return std::string(b.begin(), b.end()); }

struct kv {
    std::string key;
    std::optional<std::string> value;  // nullopt: tombstone
};

inline protocol::bytes make_kv_batch(const std::vector<kv>& items, int64_t timestamp,
                                     protocol::compression codec = protocol::compression::none,
                                     bool with_headers = false) {
    std::vector<protocol::record> records;
    for (size_t i = 0; i < items.size(); ++i) {
        protocol::record r;
        r.offset = static_cast<int64_t>(i);
        r.timestamp = timestamp + static_cast<int64_t>(i);
        r.key = to_bytes(items[i].key);
        if (items[i].value) r.value = to_bytes(*items[i].value);
        if (with_headers) r.headers.emplace_back("h-" + items[i].key, to_bytes("hv" + std::to_string(i)));
        records.push_back(std::move(r));
    }
    protocol::batch_builder_options options;
    options.codec = codec;
    return protocol::build_batch(records, options);
}

inline log::log_config compact_config() {
    log::log_config config;
    config.compact = true;
    config.delete_retention = false;
    config.segment_bytes = 1 << 20;
    config.index_interval_bytes = 64;
    config.min_cleanable_dirty_ratio = 0.0;  // tests choose when to clean
    return config;
}

inline std::unique_ptr<log::partition_log> open_log(const std::filesystem::path& dir, const log::log_config& config,
                                                    bool clean_shutdown = false) {
    protocol::error_code error;
    log::partition_log::open_options options;
    options.clean_shutdown = clean_shutdown;
    options.now_ms = 1000;
    auto log = log::partition_log::open(dir / "topic-0", {"topic", 0}, config, options, error);
    EXPECT_EQ(error, protocol::error_code::none);
    return log;
}

// Appends one batch and makes it readable (high watermark = log end).
inline void append(log::partition_log& log, const std::vector<kv>& items, int64_t timestamp,
                   protocol::compression codec = protocol::compression::none, bool with_headers = false) {
    auto batch = make_kv_batch(items, timestamp, codec, with_headers);
    ASSERT_EQ(log.append(batch, 0, timestamp).error, protocol::error_code::none);
    log.set_high_watermark(log.log_end_offset());
}

// Appends a batch then rolls, so it lands in its own closed segment.
inline void append_segment(log::partition_log& log, const std::vector<kv>& items, int64_t timestamp,
                           protocol::compression codec = protocol::compression::none) {
    append(log, items, timestamp, codec);
    ASSERT_TRUE(log.roll(timestamp));
}

// Every record of the log, read through partition_log::read.
inline std::vector<protocol::record> read_all(const log::partition_log& log) {
    auto result = log.read(log.log_start_offset(), size_t{1} << 30, log.log_end_offset());
    EXPECT_EQ(result.error, protocol::error_code::none);
    protocol::bytes data = log::testing::slice_bytes(result);
    std::vector<protocol::record> records;
    protocol::batch_iterator it(data);
    while (auto batch = it.next()) {
        EXPECT_EQ(protocol::check_batch_crc(*batch), protocol::error_code::none);
        EXPECT_EQ(protocol::decode_records(*batch, records), protocol::error_code::none);
    }
    EXPECT_EQ(it.consumed(), data.size());
    return records;
}

// Every batch header of the log.
inline std::vector<protocol::batch_header> read_headers(const log::partition_log& log) {
    auto result = log.read(log.log_start_offset(), size_t{1} << 30, log.log_end_offset());
    protocol::bytes data = log::testing::slice_bytes(result);
    std::vector<protocol::batch_header> headers;
    protocol::batch_iterator it(data);
    while (auto batch = it.next()) headers.push_back(*protocol::read_batch_header(*batch));
    return headers;
}

// key -> (offset, value) of the latest record per key ("" value for tombstones).
inline std::map<std::string, std::pair<int64_t, std::optional<std::string>>> latest_by_key(
    const std::vector<protocol::record>& records) {
    std::map<std::string, std::pair<int64_t, std::optional<std::string>>> out;
    for (const auto& r : records) {
        std::optional<std::string> v;
        if (r.value) v = to_string(*r.value);
        out[to_string(*r.key)] = {r.offset, v};
    }
    return out;
}

inline cleaner_config small_cleaner_config(size_t map_bytes = size_t{1} << 20) {
    cleaner_config config;
    config.dedupe_buffer_bytes = map_bytes;
    config.io_buffer_bytes = 4096;
    config.backoff_ms = 1000;
    return config;
}

// One plan -> run -> commit cycle; nullopt when plan chose not to clean.
inline std::optional<commit_outcome> clean_once(log_cleaner& lc, cleaner& worker, log::partition_log& log,
                                                int64_t now_ms, const swap_hook& hook = {}) {
    auto task = lc.plan(log, now_ms);
    if (!task) return std::nullopt;
    clean_result result = worker.run(*task);
    return lc.commit(log, result, now_ms, hook);
}

inline size_t count_files_with(const std::filesystem::path& dir, std::string_view suffix) {
    size_t n = 0;
    for (const auto& item : std::filesystem::directory_iterator(dir)) {
        std::string name = item.path().filename().string();
        if (name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) ++n;
    }
    return n;
}

}  // namespace sluice::compaction::testing

#pragma once
// Reading one key's records from a partition through the segments' key
// indexes (log/key_index.h): only the batches the index points at are read,
// and only the records whose key really matches (hash collisions) come back.
//
// Two steps, so the caller can bring cold batches into the page cache off
// its thread between them (as fetches do, broker/net/page_cache_warmer.h):
//   plan_key_read     on the log's owner executor: index lookups (the active
//                     segment's index is in its memory), one header read per
//                     batch and, in uncompressed batches, one read of each
//                     record's length; names what to read as file slices:
//                     whole compressed batches, single uncompressed records.
//   read_planned      any thread: reads those batches and decodes them.
// Bounded: at most `limit` records (the plan counts index entries, so hash
// collisions can make an answer shorter, with `more` set) and about
// `max_bytes` of batches (at least one).
#include <cstddef>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "log/partition_log.h"
#include "protocol/error_code.h"
#include "protocol/record_batch.h"

namespace sluice::log {

struct key_read_options {
    int64_t from_offset = 0;   // records at or after this offset
    int64_t max_offset = -1;   // and below this one (the high watermark); -1: the log end
    size_t limit = 100;
    bool newest_first = false;  // the last `limit` records at or after from_offset, newest first
    size_t max_bytes = 16 << 20;
};

struct key_read_plan {
    protocol::error_code error = protocol::error_code::none;
    struct batch {
        // The whole batch, or (uncompressed batches) one record of it;
        // keepalive: its segment.
        protocol::file_slice slice;
        std::vector<int64_t> wanted;  // offsets the index gives the key there, ascending
        bool log_append_time = false;
        // One record only: its batch's header, from which the reader makes
        // a batch of that one record to decode.
        std::optional<std::array<uint8_t, protocol::batch_header_size>> header;
    };
    std::vector<batch> batches;  // in the order asked for
    bool more = false;           // entries left unread (limit or max_bytes)
    int64_t next_offset = -1;    // oldest first with `more`: where the next read starts
};

struct key_record {
    protocol::record record;
    bool log_append_time = false;  // the batch's timestamp type
};

struct key_read_result {
    protocol::error_code error = protocol::error_code::none;
    std::vector<key_record> records;  // in the order asked for
    bool more = false;
    int64_t next_offset = -1;
    size_t batches_read = 0;
    size_t bytes_read = 0;
};

// invalid_request when the log has no key index (sluice.key.index.enable is
// off). Records below the log start offset are never planned.
key_read_plan plan_key_read(const partition_log& log, protocol::bytes_view key, const key_read_options& options);

// kafka_storage_error when a planned batch cannot be read.
key_read_result read_planned(const key_read_plan& plan, protocol::bytes_view key, bool newest_first);

// Both steps on the calling thread.
key_read_result read_key(const partition_log& log, protocol::bytes_view key, const key_read_options& options);

}  // namespace sluice::log

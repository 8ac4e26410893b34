#pragma once
// Reading one key's records from a partition through the segments' key
// indexes (log/key_index.h): only the batches the index points at are read,
// and only the records whose key really matches (hash collisions) come back.
//
// Runs on the log's owner executor (it reads the active segment's in-memory
// index). Bounded: at most `limit` records and about `max_bytes` of batches
// read (at least one batch), so one request cannot hold the thread long; the
// result says when the byte budget stopped it.
#include <cstddef>
#include <cstdint>
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

struct key_record {
    protocol::record record;
    bool log_append_time = false;  // the batch's timestamp type
};

struct key_read_result {
    protocol::error_code error = protocol::error_code::none;
    std::vector<key_record> records;  // in the order asked for
    bool more = false;                // stopped by `limit` or `max_bytes` with records left unread
    size_t batches_read = 0;
    size_t bytes_read = 0;
};

// invalid_request when the log has no key index (sluice.key.index.enable is
// off); kafka_storage_error when a batch cannot be read. Records below the
// log start offset are never returned.
key_read_result read_key(const partition_log& log, protocol::bytes_view key, const key_read_options& options);

}  // namespace sluice::log

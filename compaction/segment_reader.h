#pragma once
// Reads the batches of a closed segment in large chunks (log.cleaner.io.
// buffer.size) into one reused buffer, handing out views of whole batches.
// Used on cleaner threads: it touches only the fd and the size the owner
// saw (segment_snapshot), never the segment's mutable state. Every read is
// charged to the throttler.
#include <cstdint>
#include <optional>

#include "compaction/clean_task.h"
#include "compaction/throttler.h"
#include "protocol/wire.h"

namespace sluice::compaction {

class segment_reader {
public:
    segment_reader(const segment_snapshot& segment, protocol::bytes& buffer, size_t chunk_bytes,
                   throttler* throttle);

    // The next whole batch (valid until the next call), nullopt at the end or
    // on error (failed() tells which).
    std::optional<protocol::bytes_view> next();
    bool failed() const { return failed_; }
    uint64_t bytes_read() const { return bytes_read_; }

private:
    bool ensure(size_t bytes);  // [cursor_, cursor_ + bytes) in the buffer

    const segment_snapshot& segment_;
    protocol::bytes& buffer_;
    size_t chunk_bytes_;
    throttler* throttle_;
    uint64_t window_start_ = 0;  // file position of buffer_[0]
    size_t length_ = 0;          // valid bytes in buffer_
    size_t cursor_ = 0;
    uint64_t bytes_read_ = 0;
    bool failed_ = false;
};

}  // namespace sluice::compaction

#pragma once
// Kafka's message sets before record batches (magic 0 and 1), as old
// producers still send them with Produce v0-v2. Read here only to be
// converted to a record batch v2 (legacy_convert.h); nothing stores them.
//
// A message set is messages back to back:
//
//   offset  size  field
//   0       8     offset (the producer's; see below)
//   8       4     message_size (bytes after this field)
//   12      4     crc (CRC-32, IEEE, of bytes 16..end)
//   16      1     magic (0 or 1)
//   17      1     attributes: bits 0-2 compression (0 none, 1 gzip, 2 snappy,
//                 3 lz4), bit 3 timestamp type (magic 1; 1 = LogAppendTime)
//   18      8     timestamp (magic 1 only)
//   ..      4     key length (-1 = null), then the key
//   ..      4     value length (-1 = null), then the value
//
// A compressed message (a "wrapper") holds in its value a whole inner
// message set, compressed as one: gzip, snappy (raw or xerial-framed) or an
// LZ4 frame. Magic 0 LZ4 frames carry Kafka's old header checksum (taken
// over the frame's magic number too), which Kafka never checks for them.
// Inner messages have the wrapper's magic and are not compressed. A magic 1
// wrapper's inner offsets are relative (0, 1, ...) and its own offset is
// the absolute offset of the last one, or 0 (as some producers send); an
// inner magic 1 message takes the wrapper's timestamp when the wrapper says
// LogAppendTime. Outer offsets carry no meaning: the log assigns offsets.
//
// A message cut short at the end of a set (outer or inner) is dropped, as
// Kafka's readers drop it.
#include <cstdint>
#include <optional>
#include <vector>

#include "protocol/error_code.h"
#include "protocol/record_batch.h"
#include "protocol/wire.h"

namespace sluice::protocol {

constexpr size_t legacy_log_overhead = 12;       // offset + message_size
constexpr int32_t legacy_min_message_size = 14;  // crc, magic, attributes, key and value lengths

// One message as a client sees it after reading the set: views into the
// request (uncompressed) or into `legacy_set::inner` (compressed).
struct legacy_entry {
    int64_t timestamp = -1;  // -1 for magic 0
    // The timestamp type its (outer) message declares; producers may not
    // declare LogAppendTime, which Kafka refuses with INVALID_TIMESTAMP.
    bool log_append_time = false;
    std::optional<bytes_view> key;
    std::optional<bytes_view> value;
};

struct legacy_set {
    int8_t magic = 0;
    compression codec = compression::none;  // the wrapper's, none if uncompressed
    std::vector<legacy_entry> entries;
    bytes inner;  // the decompressed inner set, which compressed entries point into
};

// Reads a whole legacy message set, checking what Kafka checks before and
// while its LogValidator walks the records (UnifiedLog's per-message size and
// CRC checks first, then the rules of the set). `max_message_bytes` bounds
// each outer message. Errors, in Kafka's order:
//   corrupt_message               a message size below 14, a bad CRC (outer
//                                 or inner), lengths past the message end,
//                                 a payload that does not decompress, or
//                                 no whole message at all
//   message_too_large             an outer message above max_message_bytes,
//                                 or an inner set above 64 MiB decompressed
//   unsupported_compression_type  codec 5-7 (Kafka fails these with
//                                 UNKNOWN_SERVER_ERROR; we answer as for v2)
//   invalid_record                mixed magics (a v2 batch among legacy
//                                 messages), more than one wrapper, a zstd
//                                 or null-valued wrapper, an empty inner set,
//                                 an inner message compressed or of another
//                                 magic, a magic 1 wrapper offset below its
//                                 last inner offset
// `out` is valid only when the result is none, and only while `set` lives.
error_code read_legacy_message_set(bytes_view set, int32_t max_message_bytes, legacy_set& out);

}  // namespace sluice::protocol

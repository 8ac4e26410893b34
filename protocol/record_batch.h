#pragma once
// Record batch v2 (Kafka's "magic 2" format): the unit that is produced,
// stored on disk byte for byte, and served by fetch.
//
//   offset  size  field                   covered by CRC
//   0       8     base_offset             no
//   8       4     batch_length (bytes after this field)   no
//   12      4     partition_leader_epoch  no
//   16      1     magic (= 2)             no
//   17      4     crc (CRC-32C of bytes 21..end)
//   21      2     attributes              yes
//   23      4     last_offset_delta       yes
//   27      8     base_timestamp          yes
//   35      8     max_timestamp           yes
//   43      8     producer_id             yes
//   51      2     producer_epoch          yes
//   53      4     base_sequence           yes
//   57      4     record_count            yes
//   61      ...   records (compressed as a whole when attributes say so)
//
// attributes: bits 0-2 compression (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd),
// bit 3 timestamp type (1 = LogAppendTime), bit 4 transactional, bit 5 control.
//
// A record: length varint, attributes int8, timestamp_delta varlong,
// offset_delta varint, key (varint length, -1 = null), value (same),
// header count varint, headers (key varint-length string, value varint-length
// bytes, -1 = null).
#include <climits>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "protocol/error_code.h"
#include "protocol/wire.h"

namespace sluice::protocol {

enum class compression : uint8_t { none = 0, gzip = 1, snappy = 2, lz4 = 3, zstd = 4 };

constexpr size_t batch_header_size = 61;
constexpr size_t batch_log_overhead = 12;  // base_offset + batch_length
constexpr int8_t current_magic = 2;
// Bound on a compressed batch's records once decompressed. Far above
// message.max.bytes (1 MiB by default) and below what one request may carry
// uncompressed (socket.request.max.bytes, 100 MiB); a payload that expands
// past it is refused with message_too_large, so a "zip bomb" costs at most
// this much memory. No compression ratio limit: zeros legitimately reach 1000x.
constexpr size_t max_decompressed_batch_size = size_t{64} << 20;

struct batch_header {
    int64_t base_offset = 0;
    int32_t batch_length = 0;
    int32_t partition_leader_epoch = -1;
    int8_t magic = current_magic;
    uint32_t crc = 0;
    int16_t attributes = 0;
    int32_t last_offset_delta = 0;
    int64_t base_timestamp = 0;
    int64_t max_timestamp = 0;
    int64_t producer_id = -1;
    int16_t producer_epoch = -1;
    int32_t base_sequence = -1;
    int32_t record_count = 0;

    compression codec() const { return static_cast<compression>(attributes & 0x7); }
    bool log_append_time() const { return (attributes & 0x8) != 0; }
    bool is_transactional() const { return (attributes & 0x10) != 0; }
    bool is_control() const { return (attributes & 0x20) != 0; }
    int64_t last_offset() const { return base_offset + last_offset_delta; }
    // Whole batch size on disk and on the wire.
    size_t total_size() const { return static_cast<size_t>(batch_length) + batch_log_overhead; }
};

// Reads the fixed header at the start of `data` (needs batch_header_size
// bytes; checks nothing but the length of `data`). Legacy magic 0/1 message
// sets share the first 17 bytes; callers check `magic`.
std::optional<batch_header> read_batch_header(bytes_view data);

// Full validation of one batch as received from a producer: sizes, magic,
// CRC, record count and per-record framing (decompressing when needed).
// Returns corrupt_message for bad CRC or framing, invalid_record for records
// that parse but break the rules, unsupported_compression_type for codec 5-7.
error_code validate_batch(bytes_view batch);

// validate_batch without looking inside: sizes, magic, CRC, codec and the
// record count against the last offset delta, from the header alone (the
// `relaxed` produce validation; the records are never decompressed).
error_code validate_batch_header(bytes_view batch);

// Cheap check used by recovery: header sanity and CRC only.
error_code check_batch_crc(bytes_view batch);

// In-place edits of a batch in a writable buffer.
void set_base_offset(uint8_t* batch, int64_t base_offset);             // no CRC change
void set_partition_leader_epoch(uint8_t* batch, int32_t epoch);        // no CRC change
// Sets timestamp type to LogAppendTime with max_timestamp = `now_ms`; rewrites the CRC.
void set_log_append_time(uint8_t* batch, size_t size, int64_t now_ms);

// Splits a buffer of concatenated batches; stops at the first incomplete one.
class batch_iterator {
public:
    explicit batch_iterator(bytes_view data) : data_(data) {}
    // Next whole batch, or nullopt at the end or at a truncated/garbled header.
    std::optional<bytes_view> next();
    size_t consumed() const { return pos_; }

private:
    bytes_view data_;
    size_t pos_ = 0;
};

// One decoded record, for tools, compaction and the internal topics.
struct record {
    int64_t offset = 0;
    int64_t timestamp = 0;
    std::optional<bytes> key;
    std::optional<bytes> value;
    std::vector<std::pair<std::string, std::optional<bytes>>> headers;
};

// Decodes all records of a batch (decompressing if needed), appending them to
// `out` (left as it was on error). Checks the framing as validate_batch does,
// but not the CRC and not the producer rules on offset deltas: batches read
// back from a compacted log have gaps.
error_code decode_records(bytes_view batch, std::vector<record>& out);

// One record seen without copying: views into the batch, or into the
// thread's decompression buffer for compressed batches, valid only during
// the callback. For hot loops (the log cleaner) that must not allocate per
// record; `encoded` is the record exactly as stored (its length varint
// first), so a rewriter can copy kept records into a new batch verbatim
// when it keeps the source batch's base offset and base timestamp.
struct record_view {
    int64_t offset = 0;
    int64_t timestamp = 0;
    std::optional<bytes_view> key;
    std::optional<bytes_view> value;  // nullopt: a tombstone
    int32_t header_count = 0;
    bytes_view headers;  // the encoded header section
    bytes_view encoded;
};
using record_callback = void (*)(void* context, const record_view& record);

// Calls `callback` for each record of `batch`, in order, with the same
// checks as decode_records (framing, not the CRC). On error some records
// may already have been seen. No allocation beyond the per-thread
// decompression buffer.
error_code visit_records(bytes_view batch, record_callback callback, void* context);

// visit_records with any callable taking `const record_view&`.
template <typename F>
error_code for_each_record(bytes_view batch, F&& f) {
    using callable = std::remove_reference_t<F>;
    return visit_records(
        batch, [](void* c, const record_view& r) { (*static_cast<callable*>(c))(r); },
        const_cast<void*>(static_cast<const void*>(&f)));
}

// What Kafka's LogValidator learns from a producer's records besides their
// validity: whether the offset deltas run 0..count-1 (it accepts others and
// rewrites the batch) and the largest timestamp delta (it sets the batch's
// max timestamp from the records).
struct record_facts {
    bool offsets_consecutive = true;
    int64_t max_timestamp_delta = INT64_MIN;  // none when the batch has no records
    int64_t min_timestamp_delta = INT64_MAX;
    // Whether any record carries a header: a check of headers (consistent
    // writes, log/key_conditions.h) skips a batch that has none.
    bool any_headers = false;
};

// validate_batch for the produce path: offset deltas that do not run
// 0..count-1 are reported in `facts` instead of refused.
error_code validate_batch(bytes_view batch, record_facts& facts);

// The same, also showing each record to `callback` as it is checked, so a
// caller that needs the records too (produce's key check on compacted
// topics) walks and decompresses the batch once. On error some records may
// already have been seen: trust them only when the result is none.
error_code validate_batch(bytes_view batch, record_facts& facts, record_callback callback, void* context);

// validate_batch(batch, facts, callback, context) with any callable taking
// `const record_view&`.
template <typename F>
error_code validate_each_record(bytes_view batch, record_facts& facts, F&& f) {
    using callable = std::remove_reference_t<F>;
    return validate_batch(
        batch, facts, [](void* c, const record_view& r) { (*static_cast<callable*>(c))(r); },
        const_cast<void*>(static_cast<const void*>(&f)));
}

// Sets the header's max timestamp in a writable batch; patches the CRC.
void set_max_timestamp(uint8_t* batch, size_t size, int64_t max_timestamp);

// The batch rewritten as Kafka's LogValidator rewrites a producer's batch
// it cannot keep (another codec than the topic's compression.type, or
// offset deltas with gaps): the same records with deltas 0..n-1, compressed
// with `codec`, the producer fields and base offset kept.
error_code rebuild_batch(bytes_view batch, compression codec, bytes& out);

// Builds a batch v2 with the given records (offsets relative to base_offset
// taken from record.offset - base_offset), compressing with `codec`.
struct batch_builder_options {
    int64_t base_offset = 0;
    compression codec = compression::none;
    int64_t producer_id = -1;
    int16_t producer_epoch = -1;
    int32_t base_sequence = -1;
    bool transactional = false;
    bool control = false;
    bool log_append_time = false;
    int32_t partition_leader_epoch = -1;
    // Overrides the last offset delta (default: the last record's). The
    // cleaner keeps a batch's original last offset when it drops its tail.
    std::optional<int32_t> last_offset_delta = std::nullopt;
};
bytes build_batch(const std::vector<record>& records, const batch_builder_options& options);

}  // namespace sluice::protocol

#pragma once
// Consistent writes (optimistic concurrency) on a topic with the key index:
// a record may carry the header `sluice.expected.offset` whose value is the
// decimal offset (ASCII, e.g. "41") its producer expects to be its key's
// latest record, or "-1" for "this key has no record yet". The leader
// appends a batch only when every such record's expectation holds.
//
// The verdict, per record carrying the header, in batch order:
//   malformed  the value is not a decimal integer, is below -1, is not
//              below the record's own offset (an offset in the future),
//              appears twice, or the record has no key
//   conflict   the key's latest offset is not the expected one
// Records of the same batch count, in order, as if appended one by one: a
// second record of a key may expect the first's offset (base offset + its
// delta); expecting the latest from before the batch is then a conflict.
// The key's latest offset before the batch is its newest record below the
// log end (aborted transactional records included: the index does not tell
// them apart), found through the key index from the active segment back to
// the oldest, with each candidate's key compared (hash collisions).
//
// Run on the log's owner executor immediately before prepare_append, with
// nothing in between: the log end and index it reads are those the append
// will extend, so two conditional writes of one key cannot both pass.
//
// A batch of an idempotent producer that the producer state calls a retry
// (or refuses) is not checked at all: prepare_append answers it with its
// first offsets (or the producer error), never a conflict.
//
// The same pass checks `sluice.corrects.offset` (log/key_corrections.h):
// malformed (INVALID_RECORD, a record error saying why) unless the value is
// a decimal offset below the log end the batch arrives at, the record has a
// key, and the record at that offset is one of the key's. Records of the
// batch itself cannot be corrected by it.
//
// Cost: an uncompressed batch is searched for the header name first (one
// memmem), a compressed one is walked again (decompressed) only on a topic
// with the index; records are decoded only when the header is present.
// On a topic without the index, an uncompressed batch carrying either header is
// refused (no check could happen); a compressed one is not decompressed to
// look, and its header is stored as any other.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/error_code.h"
#include "protocol/wire.h"

namespace sluice::log {

class partition_log;

inline constexpr std::string_view expected_offset_header = "sluice.expected.offset";

// The header's value as an offset (-1 or more), nullopt when it is not one:
// optional '-' then 1..19 ASCII digits, nothing else.
std::optional<int64_t> parse_expected_offset(protocol::bytes_view value);

struct key_condition_error {
    int32_t batch_index = 0;  // the record's index in its batch (KIP-467)
    std::string message;
    bool conflict = false;      // false: malformed
    int64_t expected = -2;      // conflicts: what the record expected
    int64_t latest = -1;        // conflicts: the key's latest offset (-1: none)
};

struct key_condition_verdict {
    protocol::error_code code = protocol::error_code::none;  // invalid_record when refused
    std::vector<key_condition_error> errors;
    bool ok() const { return code == protocol::error_code::none; }
};

// Checks `batches` (validated, offsets not yet assigned) against `log`,
// whose log end will be their base offset.
key_condition_verdict check_key_conditions(std::span<const uint8_t> batches, const partition_log& log);

// Whether the record at `offset` (below the log end) is one of the key's;
// nullopt when the index cannot be read.
std::optional<bool> key_has_record_at(const partition_log& log, protocol::bytes_view key, int64_t offset);

// The key's latest offset below the log end, -1 when it has none; nullopt
// when the index cannot be read.
std::optional<int64_t> latest_key_offset(const partition_log& log, protocol::bytes_view key);

}  // namespace sluice::log

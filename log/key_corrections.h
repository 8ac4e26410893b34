#pragma once
// Corrections on a topic with the key index: a record may carry the header
// `sluice.corrects.offset` whose value is the decimal offset (ASCII, e.g.
// "41") of an earlier record of the SAME key that it corrects.
//
// Written: the leader checks it beside `sluice.expected.offset`
// (log/key_conditions.h), refusing the batch with INVALID_RECORD when the
// value is not a decimal offset, the record has no key, the offset is not
// below the log end the batch arrives at, or the record there is not one of
// the key's (another key's, below the log start, or gone).
//
// A correction may correct a correction: the chain corrects its original,
// the first record of the chain that is not itself a correction (as read).
//
// Read (`corrected_view`): in offset order, each corrected record is
// replaced, at its own position, by the newest record of its chain, which
// carries `corrects` = the original's offset; corrections are not shown a
// second time. A correction whose target is not among the records given
// (below from_offset, or removed by retention) stays at its own position,
// with `corrects` set, and stands for that original: a later correction of
// it takes its place, naming the same original.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "log/key_read.h"
#include "protocol/wire.h"

namespace sluice::log {

inline constexpr std::string_view corrects_offset_header = "sluice.corrects.offset";

// The header's value as an offset (0 or more): 1..19 ASCII digits, nothing else.
std::optional<int64_t> parse_corrects_offset(protocol::bytes_view value);

// The offset a record says it corrects; nullopt without the header (or with
// a malformed one, which the leader never stored).
std::optional<int64_t> corrected_offset_of(const protocol::record& r);

struct corrected_record {
    key_record record;
    int64_t corrects = -1;  // the original's offset; -1: not a correction
};

// `records`: one key's records, oldest first.
std::vector<corrected_record> corrected_view(std::vector<key_record> records);

}  // namespace sluice::log

#pragma once
// Applying `_schemas` record batches to a registry_state: one function for
// both readers (the local log's and the remote one's), so a record is
// applied the same way whichever brought it, and once (`next_offset`).
#include <cstdint>

#include "broker/schema_registry/registry_state.h"
#include "protocol/wire.h"

namespace sluice::broker::schema_registry {

// Applies the records of the whole batches in `batches` whose offsets are in
// [next_offset, end) and moves `next_offset` past each batch read (at most
// to `end`: a batch the high watermark cuts is read again from `end`).
// Control batches and records without a key are passed over; a record the
// state cannot read is skipped with a warning. A partial batch at the end
// is left for the next read. Returns whether `next_offset` moved.
bool apply_schemas_batches(registry_state& state, protocol::bytes_view batches, int64_t end, int64_t& next_offset);

}  // namespace sluice::broker::schema_registry

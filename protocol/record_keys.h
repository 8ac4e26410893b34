#pragma once
// Key checks on a record batch, for topics whose records must be keyed
// (cleanup.policy=compact rejects records without a key, as Kafka does).
#include <cstdint>
#include <vector>

#include "protocol/error_code.h"
#include "protocol/record_batch.h"
#include "protocol/wire.h"

namespace sluice::protocol {

// Appends to `out` the index within the batch (0 for its first record) of
// every record whose key is null. Walks the records without copying them.
// Returns the framing error of a batch that cannot be read (then `out` may
// hold the indexes seen before it).
error_code find_keyless_records(bytes_view batch, std::vector<int32_t>& out);

// validate_batch and find_keyless_records in one walk, so a compressed
// batch is decompressed once: what produce runs for a compacted topic.
// Returns validate_batch's verdict; `keyless` is complete only when that is
// none (a refused batch may leave indexes seen before the fault).
error_code validate_batch_keys(bytes_view batch, std::vector<int32_t>& keyless, record_facts& facts);

}  // namespace sluice::protocol

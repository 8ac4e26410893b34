#pragma once
// Transaction markers: the control batches a transaction coordinator has
// partition leaders write (WriteTxnMarkers) to end a transaction. One
// record, never compressed; attributes transactional | control; sequence -1.
//   key:   version int16 (0), type int16 (0 = ABORT, 1 = COMMIT)
//   value: version int16 (0), coordinator epoch int32
#include <cstdint>
#include <optional>

#include "protocol/wire.h"

namespace sluice::protocol {

enum class marker_type : int16_t { abort = 0, commit = 1 };

struct txn_marker {
    marker_type type = marker_type::abort;
    int32_t coordinator_epoch = 0;
};

bytes build_marker_batch(int64_t producer_id, int16_t producer_epoch, const txn_marker& marker, int64_t timestamp);
// The marker of a control batch; nullopt if it is not one or cannot be read.
std::optional<txn_marker> read_marker(bytes_view batch);

}  // namespace sluice::protocol

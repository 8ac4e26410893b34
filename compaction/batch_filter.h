#pragma once
// Rewrites one batch keeping only the records that survive cleaning
// (Kafka's MemoryRecords.filterTo):
//  - a keyed record survives unless the key map holds a later offset for
//    its key (latest wins); records without a key are kept;
//  - a tombstone (null value) that survived latest-wins is dropped only when
//    the caller says its segment is past delete.retention.ms;
//  - control batches are kept whole. Aborted-transaction removal slots in at
//    retain_control_batch()/the record test: with an aborted-transaction
//    index, data batches of aborted producers are dropped and their markers
//    once no data of the transaction is left (Kafka's two-pass rule).
// Offsets never change. A batch that keeps everything is copied verbatim; a
// batch that keeps some records is rebuilt with the same base offset, base
// timestamp, last offset delta, producer id/epoch/sequence and attributes,
// its kept records copied byte for byte (their deltas stay valid) and
// re-compressed with the batch's codec; an emptied batch is dropped unless
// the caller needs it (the last batch of an output segment, which marks
// where the segment ends: log/segment_swap.h) — then it stays with no
// records and no compression.
#include <cstdint>

#include "compaction/clean_task.h"
#include "compaction/key_map.h"
#include "protocol/record_batch.h"

namespace sluice::compaction {

class batch_filter {
public:
    explicit batch_filter(const key_map& map) : map_(map) {}

    // Appends what survives of `batch` to `out`. corrupt_batch on a bad CRC
    // or framing (nothing appended then).
    clean_error filter(protocol::bytes_view batch, bool drop_tombstones, bool keep_if_emptied,
                       protocol::bytes& out, clean_stats& stats);

private:
    static bool retain_control_batch(const protocol::batch_header&) { return true; }

    const key_map& map_;
    protocol::bytes records_;     // kept records, reused
    protocol::bytes compressed_;  // reused
};

}  // namespace sluice::compaction

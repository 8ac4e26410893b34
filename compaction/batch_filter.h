#pragma once
// Rewrites one batch keeping only the records that survive cleaning
// (Kafka's MemoryRecords.filterTo):
//  - a keyed record survives unless the key map holds a later offset for
//    its key (latest wins); records without a key are kept;
//  - a tombstone (null value) that survived latest-wins is dropped only when
//    the caller says its segment is past delete.retention.ms;
//  - a transactional batch of an aborted transaction (the log's aborted
//    transaction index, given per pass) is dropped whole;
//  - a transaction marker goes, once its segment is past delete.retention.ms
//    as tombstones do, only when this pass saw no batch of its transaction
//    (Kafka's CleanedTransactionMetadata): an ABORT marker outlives its
//    data by one pass, a COMMIT marker stays while its data does;
//  - the last batch of each producer the log knows stays, emptied if none
//    of its records does, and a producer's marker stays while it is all
//    that is known of the producer (Kafka's BatchRetention.RETAIN_EMPTY):
//    its sequence and epoch must survive cleaning, or recovery from the log
//    would forget the producer and accept a retry as new.
// Offsets never change. A batch that keeps everything is copied verbatim; a
// batch that keeps some records is rebuilt with the same base offset, base
// timestamp, last offset delta, producer id/epoch/sequence and attributes,
// its kept records copied byte for byte (their deltas stay valid) and
// re-compressed with the batch's codec; an emptied batch is dropped unless
// the caller needs it (the last batch of an output segment, which marks
// where the segment ends: log/segment_swap.h) — then it stays with no
// records and no compression.
#include <cstdint>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "compaction/clean_task.h"
#include "compaction/key_map.h"
#include "protocol/record_batch.h"

namespace sluice::compaction {

class batch_filter {
public:
    explicit batch_filter(const key_map& map) : map_(map) {}

    // Starts a pass over a log whose aborted transactions are `aborted`.
    void begin_pass(const std::vector<log::aborted_txn>& aborted,
                    const std::unordered_map<int64_t, producer_tail>& producer_tails);
    // Whether a transactional batch belongs to one of those.
    bool in_aborted_txn(const protocol::batch_header& h) const;

    // Appends what survives of `batch` to `out`. corrupt_batch on a bad CRC
    // or framing (nothing appended then).
    clean_error filter(protocol::bytes_view batch, bool drop_tombstones, bool keep_if_emptied,
                       protocol::bytes& out, clean_stats& stats);

private:
    // Whether a marker may go (before the delete horizon is considered);
    // forgets what the pass saw of its transaction.
    bool marker_discardable(protocol::bytes_view batch, const protocol::batch_header& h);
    // Whether `h` holds what the log knows last of its producer.
    bool producers_last(const protocol::batch_header& h) const;

    // producer -> (first offset, marker offset) of its aborted transactions, by first offset
    std::unordered_map<int64_t, std::vector<std::pair<int64_t, int64_t>>> aborted_;
    std::unordered_set<int64_t> aborted_seen_;    // producers whose aborted data this pass dropped
    std::unordered_set<int64_t> committed_seen_;  // producers whose committed data this pass kept
    const std::unordered_map<int64_t, producer_tail>* tails_ = nullptr;

    const key_map& map_;
    protocol::bytes records_;     // kept records, reused
    protocol::bytes compressed_;  // reused
};

}  // namespace sluice::compaction

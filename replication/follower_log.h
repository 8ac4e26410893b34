#pragma once
// What the follower fetcher needs from the local log of a partition it
// follows. The broker adapts its partition_log to this; the tests use an
// in-memory one. Everything is called on the fetcher's executor, one call at
// a time, so an implementation needs no locking of its own for the fetcher.
#include <cstdint>
#include <optional>

#include "protocol/error_code.h"
#include "protocol/ids.h"
#include "protocol/wire.h"

namespace sluice::replication {

// Where a leader epoch ended, as Kafka's LeaderEpochFileCache.endOffsetFor
// answers it: the largest epoch <= the one asked for and the offset at which
// the next epoch starts (the log end offset for the latest epoch); the epoch
// asked for and the start of the first known epoch when it is older than all
// of them; {-1, -1} (undefined) for no epoch or one newer than all.
struct epoch_end_offset {
    protocol::leader_epoch epoch{-1};
    protocol::offset end_offset{-1};
    bool undefined() const { return end_offset.value() < 0; }
    bool operator==(const epoch_end_offset&) const = default;
};

class follower_log {
public:
    virtual ~follower_log() = default;

    virtual protocol::offset log_start_offset() const = 0;
    virtual protocol::offset log_end_offset() const = 0;
    virtual protocol::offset high_watermark() const = 0;
    // The epoch of the newest epoch entry; nullopt when the log knows none.
    virtual std::optional<protocol::leader_epoch> latest_epoch() const = 0;
    virtual epoch_end_offset end_offset_for(protocol::leader_epoch epoch) const = 0;

    // Appends whole v2 batches exactly as the leader stored them: their base
    // offsets and leader epochs are kept (the epoch cache learns new epochs
    // from them). The first batch must start at the log end offset. An
    // error_code other than none leaves the log as it was.
    virtual protocol::error_code append_as_is(protocol::bytes_view batches) = 0;
    // Drops everything at and after `end` (no-op when end >= log end offset);
    // the epoch cache and the high watermark follow.
    virtual void truncate_to(protocol::offset end) = 0;
    // Empties the log; it starts again, empty, at `start`.
    virtual void truncate_fully_and_start_at(protocol::offset start) = 0;
    // Never above the log end offset (the fetcher caps it).
    virtual void set_high_watermark(protocol::offset hw) = 0;
    // The leader deleted records before `start` (retention, DeleteRecords):
    // so does the follower. Called only with log start < start <= high
    // watermark (partition_log's delete_records_before, Kafka's
    // maybeIncrementLogStartOffset); the epoch cache follows.
    virtual void advance_log_start(protocol::offset start) = 0;
};

}  // namespace sluice::replication

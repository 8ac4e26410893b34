#pragma once
// A partition_log seen as the follower fetcher's replication::follower_log:
// how the broker's own log takes what the leader serves.
//
// Naming the log. The adapter never keeps the partition_log's address
// between calls: it keeps the topic, the index and the log's incarnation,
// and finds the log again through `lookup` on every call (a hash lookup, as
// find_live in broker/topics/partition_ref.h). A partition deleted — or
// deleted and re-created, with a new log perhaps at the same address — is
// thereby "gone": the offsets answer the last values seen, epochs none,
// changes do nothing, and append_as_is answers not_leader_or_follower, which pauses the partition in
// its fetcher and tells the owner to re-read metadata (and unfollow).
//
// What the fetcher cannot see, the adapter handles:
//   - truncate_to / truncate_fully_and_start_at refused while a cleaner swap
//     is in flight: the cut is remembered and log_end_offset() already
//     answers it, so the fetcher fetches from there; the cut is tried again
//     before the next change, and until it is done appends answer
//     kafka_storage_error (the fetcher backs off and asks again).
//   - a first batch straddling the log end of an empty log (the leader's
//     log start inside a batch, after DeleteRecords): as Kafka's
//     UnexpectedAppendOffsetException handling, the log restarts at that
//     batch's base offset and the append is tried again.
//
// Threading: the partition_log's owner executor, which is the fetcher's;
// the hooks run there, synchronously, inside the call that caused them.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "log/partition_log.h"
#include "replication/follower_log.h"

namespace sluice::broker::replica {

class partition_follower_log final : public replication::follower_log {
public:
    // The partition's current log, or nullptr when the broker holds none.
    using log_lookup = std::function<log::partition_log*(const std::string& topic, int32_t partition)>;

    // What the broker does around the log's changes (each may be empty).
    struct hooks {
        // The clock for append_as_follower (segment.ms rolls, time index);
        // empty: the wall clock.
        std::function<int64_t()> now_ms;
        // After records were appended: flush_if_due, wake parked fetches.
        std::function<void(log::partition_log&)> appended;
        // After the high watermark or log start moved: wake parked fetches.
        std::function<void(log::partition_log&)> offsets_moved;
        // After a truncation: unlink `deleted_files` off the I/O thread and
        // checkpoint recovery points. Empty: the files are unlinked inline.
        std::function<void(log::partition_log&, std::vector<std::filesystem::path> deleted_files)> truncated;
    };

    // `log` must be the one `lookup(topic, partition)` answers now.
    partition_follower_log(log::partition_log& log, log_lookup lookup, hooks h = {});

    // Whether the log this adapter was made for is still the partition's.
    bool alive() const { return live() != nullptr; }
    log::log_incarnation incarnation() const { return incarnation_; }

    protocol::offset log_start_offset() const override;
    protocol::offset log_end_offset() const override;
    protocol::offset high_watermark() const override;
    std::optional<protocol::leader_epoch> latest_epoch() const override;
    replication::epoch_end_offset end_offset_for(protocol::leader_epoch epoch) const override;

    protocol::error_code append_as_is(protocol::bytes_view batches) override;
    void truncate_to(protocol::offset end) override;
    void truncate_fully_and_start_at(protocol::offset start) override;
    void set_high_watermark(protocol::offset hw) override;
    void advance_log_start(protocol::offset start) override;

private:
    // A cut the log refused (cleaner swap in flight), to retry.
    struct pending_cut {
        bool fully = false;  // truncate_fully_and_start_at rather than truncate_to
        protocol::offset at{0};
    };

    log::partition_log* live() const;
    // Applies the pending cut if there is one; false while it is still refused.
    bool settle(log::partition_log& log);
    bool cut(log::partition_log& log, const pending_cut& c);
    // Copies the offsets into last_seen_ (answers once the log is gone).
    void remember(const log::partition_log& log) const;
    int64_t now_ms() const;

    std::string topic_;
    int32_t partition_;
    log::log_incarnation incarnation_;
    log_lookup lookup_;
    hooks hooks_;
    std::optional<pending_cut> pending_;
    struct snapshot {
        protocol::offset start{0};
        protocol::offset end{0};
        protocol::offset hw{0};
    };
    mutable snapshot last_seen_;
};

}  // namespace sluice::broker::replica

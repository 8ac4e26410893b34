#pragma once
// One partition's log: an ordered list of segments, the last one active.
// Appends assign offsets by rewriting batch headers in place and write the
// batches as they are; reads hand out file slices of whole batches; the
// older segments go by retention or DeleteRecords. On-disk format in
// log/format.h, crash story in log/recovery.h.
//
// Offsets kept here:
//   log start offset  first offset a reader may ask for (retention, DeleteRecords)
//   high watermark    reads stop below it; set by the broker / replication
//   log end offset    next offset to assign
//   recovery point    everything below it is fsynced
//
// Threading: a partition_log is owned by one executor, and every member
// function must be called from it, except
//   - log_start_offset(), recovery_point() and high_watermark(): atomic
//     reads, any thread (log_manager::checkpoint runs elsewhere);
//   - run_flush(job): any thread, between prepare_flush() and
//     complete_flush() on the owner;
//   - the segments returned by apply_retention(), the files returned by
//     truncate_to(), and the keepalives of read slices: any thread
//     (segment::remove_files(), unlinks, the fds) — they stay valid however
//     the log changes meanwhile.
//
// Work that crosses to another thread and comes back names the log by
// incarnation(), never by address: a partition deleted and re-created may
// get a new partition_log at the same address.
// Destroying a partition_log without close() is what a crash looks like to
// the next open(): nothing is lost from the page cache, but the tail is
// re-validated.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "log/background.h"
#include "log/checkpoint_file.h"
#include "log/file_util.h"
#include "log/leader_epoch_cache.h"
#include "log/producer_state.h"
#include "log/transaction_index.h"
#include "log/write_ring.h"
#include "log/recovery.h"
#include "log/segment.h"
#include "log/types.h"
#include "protocol/error_code.h"
#include "protocol/ids.h"

namespace sluice::log {

// Which opening of a partition a partition_log is: unique in the process,
// increasing, never reused (0 is none).
enum class log_incarnation : uint64_t { none = 0 };

class partition_log {
public:
    struct open_options {
        bool clean_shutdown = false;
        int64_t recovery_point = 0;               // from recovery-point-offset-checkpoint
        std::optional<int64_t> log_start_offset;  // from log-start-offset-checkpoint
        // From replication-offset-checkpoint; only kept for
        // checkpointed_high_watermark(), high_watermark() still starts at the
        // log end (what a single node expects).
        std::optional<protocol::offset> high_watermark;
        int64_t now_ms = -1;                      // -1: the wall clock
        // Where truncate_to() sends the .log's ftruncate (empty: inline).
        background_executor background;
    };

    // Everything a flush needs, so the fsyncs can run off the owner executor.
    struct flush_job {
        std::filesystem::path dir;
        std::vector<std::shared_ptr<segment>> segments;  // with data above the recovery point
        int64_t up_to_offset = 0;                        // the log end offset when prepared
        bool sync_dir = false;                           // segment files were created since
        std::optional<std::vector<epoch_entry>> epochs;  // leader epochs to write, if changed
        std::filesystem::path epoch_file;
        // `dir` as prepare_flush found it (for the dir fsync and epoch file):
        // a partition deleted and re-created meanwhile has another dir
        // under the same path, which this job must not write.
        std::optional<file_util::directory> dir_handle;
        bool ok = false;                                 // set by run_flush
    };

    // Opens (creating the directory if needed) and recovers if `clean_shutdown` is false.
    static std::unique_ptr<partition_log> open(const std::filesystem::path& dir, topic_partition tp,
                                               log_config config, bool clean_shutdown,
                                               protocol::error_code& error);
    static std::unique_ptr<partition_log> open(const std::filesystem::path& dir, topic_partition tp,
                                               log_config config, const open_options& options,
                                               protocol::error_code& error);
    partition_log(const partition_log&) = delete;
    partition_log& operator=(const partition_log&) = delete;
    ~partition_log() = default;  // no flush: see close()

    // Appends batches the broker validated: assigns offsets from the log end
    // offset, stamps `leader_epoch` and (LogAppendTime topics) `now_ms`, then
    // writes them to the active segment, rolling first if due. Batches of
    // idempotent producers are checked against the producer state first
    // (log/producer_state.h): invalid_producer_epoch,
    // out_of_order_sequence_number or invalid_record append nothing, and a
    // retried batch appends nothing and answers with the offsets it was
    // given the first time (`duplicate`).
    append_result append(std::span<uint8_t> batches, int32_t leader_epoch, int64_t now_ms,
                         append_origin origin = append_origin::client);

    // append() in two steps, so that several partitions' writes can go out
    // together (log/write_ring.h). prepare_append makes every check and
    // assigns the offsets (rewriting the batch headers in place, rolling
    // first when due, as append() does) but records nothing: offsets,
    // indexes, producer state and high watermark stay as they were. The
    // caller writes `write` (when needs_write()), sets its `ok`/`error`, and
    // calls finish_append, which records the append, or on a failed write
    // cuts the file back and answers kafka_storage_error with the log as
    // before. Nothing else may touch this log in between.
    struct prepared_append {
        append_result result;  // final when !needs_write(): an error, or a producer's retry
        file_write write;      // the batches and where they go in the active segment
        bool needs_write() const { return write.fd >= 0; }

    private:
        friend class partition_log;
        std::shared_ptr<segment> target;
        int32_t leader_epoch = -1;
        int64_t now_ms = -1;
        std::optional<producer_state::append> producer_changes;
    };
    prepared_append prepare_append(std::span<uint8_t> batches, int32_t leader_epoch, int64_t now_ms,
                                   append_origin origin = append_origin::client);
    append_result finish_append(prepared_append& prepared);
    // Between a prepare_append that needs a write and its finish_append.
    bool append_prepared() const { return append_prepared_; }

    // A transaction coordinator's marker (WriteTxnMarkers): a control batch
    // ending `producer`'s transaction, appended at the log end. Refused,
    // appending nothing, with invalid_producer_epoch (an older producer
    // epoch than the log's) or transaction_coordinator_fenced (an older
    // coordinator epoch).
    append_result append_marker(protocol::producer_id producer, protocol::producer_epoch epoch,
                                const protocol::txn_marker& marker, int32_t leader_epoch, int64_t now_ms);

    // A follower's append (Kafka's appendAsFollower): `batches` as fetched
    // from the leader, stored byte for byte with their own offsets, leader
    // epochs, timestamps and CRCs. Every whole batch is checked first (magic
    // 2, sane header, CRC-32C, offsets strictly increasing, the first at the
    // log end offset); a partial batch at the end (a fetch response may end
    // with one) is dropped. Refusals change nothing:
    //   corrupt_message                 bad CRC, a header too short or insane
    //   unsupported_for_message_format  magic 0 or 1
    //   invalid_record                  a batch not after the one before it
    //   offset_out_of_range             the first batch starts below the log
    //                                   end, or above it (a gap) on a log
    //                                   that is not compacted
    // Only compacted logs accept a gap: the leader's cleaner drops whole
    // batches. Kafka's other exception, an empty follower whose first fetched
    // batch straddles its log end (a DeleteRecords start inside a batch), is
    // the caller's: truncate_fully_and_start_at(that batch's base), append again.
    // Rolls as append() does, and before any batch whose offsets would not fit
    // the active segment's 4-byte relative offsets (the new segment then
    // starts at that batch's base). A batch with a newer leader epoch starts
    // that epoch at its base offset. The high watermark does not move
    // (set_high_watermark with the leader's). Nothing to append: none, with
    // base and last offset -1.
    append_result append_as_follower(std::span<const uint8_t> batches, int64_t now_ms);

    // Whole batches from the one containing `offset`, up to `max_bytes`, all
    // below `max_offset` (the high watermark for consumers). With
    // `min_one_batch` the first batch comes even when larger than `max_bytes`.
    // For readers that decode what they read (Fetch uses read_for_fetch).
    // offset_out_of_range if `offset` < log start or > log end.
    read_result read(int64_t offset, size_t max_bytes, int64_t max_offset, bool min_one_batch = true) const;

    struct fetch_read : read_result {
        bool first_batch_cut = false;  // `max_bytes` fell inside the first batch
        // Only without `wait_for_disk`: a batch header the read needed was
        // not in the page cache. Nothing else is set; read this range in
        // (off the owner) and ask again.
        std::optional<protocol::file_slice> cold;
    };
    // What a Kafka fetch returns for one partition (LogSegment.read): the
    // bytes from the start of the batch holding `offset`, below `max_offset`,
    // cut at `max_bytes` even inside a batch; clients drop a partial batch at
    // the end. With `min_one_batch` the cut is never inside the first batch.
    // Unlike Kafka, one read may go on into the next segments. Errors as read().
    // Without `wait_for_disk` the batch headers are read only from the page
    // cache (log/segment.h: nowait_header_reads); a miss comes back as `cold`.
    fetch_read read_for_fetch(int64_t offset, size_t max_bytes, int64_t max_offset, bool min_one_batch,
                              bool wait_for_disk = true) const;

    int64_t log_start_offset() const { return log_start_offset_.load(std::memory_order_relaxed); }
    int64_t log_end_offset() const { return segments_.back()->next_offset(); }
    int64_t high_watermark() const { return high_watermark_.load(std::memory_order_relaxed); }
    // Where read_committed consumers stop (Kafka's last stable offset): the
    // first offset of the oldest transaction that is open, or ended by a
    // marker not yet below the high watermark; else the high watermark.
    int64_t last_stable_offset() const;
    // The aborted transactions a read_committed fetch of [from, upper) must
    // name: those with a marker at or after `from` and data before `upper`.
    std::vector<aborted_txn> aborted_transactions(int64_t from, int64_t upper) const;
    void set_high_watermark(int64_t offset);  // clamped to [log start, log end]
    // The high watermark replication-offset-checkpoint held at open(),
    // clamped to [log start, log end]; the log start when the partition was
    // not in it. A restarted replica exposes no more than this until its
    // leader (or the ISR) says otherwise; high_watermark() itself starts at
    // the log end for the single-node broker, which owns that choice.
    protocol::offset checkpointed_high_watermark() const { return checkpointed_high_watermark_; }
    int64_t recovery_point() const { return recovery_point_.load(std::memory_order_relaxed); }

    // ListOffsets by timestamp: the first record (at or after the log start)
    // with timestamp >= `timestamp`; nullopt if none. ("earliest" and
    // "latest" are log_start_offset() and log_end_offset().)
    // With `cold`, no read waits for the disk (log/segment.h:
    // nowait_header_reads): a header or batch not in the page cache stops
    // the lookup with nullopt and the range to read in in *cold.
    std::optional<offset_and_timestamp> offset_for_timestamp(int64_t timestamp,
                                                             std::optional<protocol::file_slice>* cold = nullptr) const;
    // ListOffsets MAX_TIMESTAMP: the record with the largest timestamp.
    // `cold` as above.
    std::optional<offset_and_timestamp> max_timestamp(std::optional<protocol::file_slice>* cold = nullptr) const;

    // DeleteRecords: raises the log start offset to `offset` (<= high
    // watermark, else offset_out_of_range). Whole segments below it are
    // handed out by the next apply_retention().
    protocol::error_code delete_records_before(int64_t offset);
    // Drops the segments past retention (log/retention.h) and returns them;
    // the caller deletes their files (segment::remove_files()), off-thread if
    // it likes.
    std::vector<std::shared_ptr<segment>> apply_retention(int64_t now_ms);
    void roll_if_due(int64_t now_ms);  // segment.ms
    bool roll(int64_t now_ms);         // starts a new segment now (if the active one has data)

    void update_config(const log_config& config);
    const log_config& config() const { return config_; }
    uint64_t size_bytes() const;
    size_t segment_count() const { return segments_.size(); }
    const std::vector<std::shared_ptr<segment>>& segments() const { return segments_; }

    // flush.messages / flush.ms: whether the caller should flush now.
    bool flush_due(int64_t now_ms) const;
    flush_job prepare_flush();
    static void run_flush(flush_job& job);
    void complete_flush(const flush_job& job, int64_t now_ms);
    // All three on the calling thread: fsync everything appended so far and
    // advance the recovery point.
    void flush();
    // flush + what a clean restart needs (final time index entry). The log
    // stays usable; the log_manager writes the clean-shutdown marker.
    void close();
    // What truncate_to() leaves to the caller.
    struct truncation {
        bool done = true;  // false: a cleaner swap is in flight; nothing changed, retry after it
        // Files of the dropped segments, already renamed to `*.deleted` (so a
        // later segment may take their names at once): unlink them off the
        // owner executor; the sweep at open removes any a crash left.
        std::vector<std::filesystem::path> deleted_files;
    };
    // Removes every batch from the one containing `offset` on (replication);
    // the log end offset may end up below `offset` if it was mid-batch. The
    // high watermark, recovery point and log start follow the new log end;
    // leader epochs starting at or after it are forgotten, and the
    // leader-epoch checkpoint is rewritten at once when that removed any (a
    // stale checkpoint would give batches appended later the wrong epochs
    // after a crash). The caller should checkpoint the log dir's recovery
    // points next (log_manager::checkpoint), as Kafka does.
    truncation truncate_to(int64_t offset);
    // Kafka's truncateFullyAndStartAt, for a follower whose log end is out of
    // the leader's range (below its log start): every segment goes, a new
    // empty one starts at `offset`, which becomes the log start, log end,
    // high watermark and recovery point; the leader epochs are cleared and
    // the empty checkpoint written. Refused like truncate_to while a cleaner
    // swap is in flight. `offset` < 0 is taken as 0.
    truncation truncate_fully_and_start_at(protocol::offset offset);

    // --- log cleaner (compaction/), owner executor ---
    // Whether `run` is still a run of consecutive closed (not active)
    // segments of this log, the same objects with the sizes seen when the
    // cleaner took them: nothing truncated, deleted or appended meanwhile.
    bool holds_closed_run(const std::vector<std::shared_ptr<segment>>& run,
                          const std::vector<uint64_t>& sizes) const;
    // Puts `replacement` (covering the same offsets, files already in their
    // final place: log/segment_swap.h) where `run` was. False, changing
    // nothing, unless holds_closed_run(run, current sizes). The replaced
    // objects stay valid for their holders (slices in flight) but their
    // paths now name the new files: never call remove_files() on them.
    bool replace_segments(const std::vector<std::shared_ptr<segment>>& run, std::shared_ptr<segment> replacement);
    // While a cleaner swap renames this log's files on another thread
    // (compaction/swap.h), no closed segment may leave the list or lose its
    // files by name: apply_retention() drops nothing and truncate_to()
    // refuses until end_segment_swap(). (Kafka pauses deletion of a log
    // being cleaned the same way.) Appends, rolls, reads and DeleteRecords'
    // new log start go on.
    // Also settles key index seals still pending (segment::settle_key_seal):
    // the swap renames those files on another thread.
    void begin_segment_swap();
    void end_segment_swap() { swapping_ = false; }
    bool segment_swap_in_progress() const { return swapping_; }

    log_incarnation incarnation() const { return incarnation_; }

    // Idempotent producers seen in this log (appends of every kind keep it).
    const producer_state& producers() const { return producers_; }
    // producer.id.expiration.ms; returns how many producers were forgotten.
    size_t expire_producers(int64_t now_ms, int64_t expiration_ms);
    // KIP-890 verification guards (producer_state::begin_verification).
    uint64_t begin_txn_verification(protocol::producer_id id, int64_t now_ms) {
        return producers_.begin_verification(id, now_ms);
    }

    const std::filesystem::path& dir() const { return dir_; }
    const topic_partition& partition() const { return tp_; }
    const leader_epoch_cache& leader_epochs() const { return epochs_; }
    // What open() had to do; recovered() is false after a clean, trusted open.
    const recovery_report& recovery() const { return recovery_; }
    bool recovered() const { return recovery_.segments_scanned > 0; }

private:
    partition_log(std::filesystem::path dir, topic_partition tp, log_config config);
    const std::shared_ptr<segment>& active() const { return segments_.back(); }
    // Index of the segment that may hold `offset` (the last with base <= offset).
    size_t segment_index_for(int64_t offset) const;
    std::optional<offset_and_timestamp> first_record_at_or_after(const segment& seg, const batch_position& batch,
                                                                 int64_t timestamp, int64_t min_offset) const;
    void set_log_start_offset(int64_t offset);
    void start_fresh_at(int64_t offset, int64_t now_ms);
    // Whether the first and last batch of every segment carry the epoch the
    // cache gives their offsets (open after an unclean shutdown).
    bool epochs_match_batches() const;
    // truncate_*: renames every segment's files to *.deleted into `result`
    // and starts one empty segment at `offset` (log start there too).
    void drop_all_and_start_at(int64_t offset, truncation& result);
    void drop_segment_files(segment& seg, truncation& result);
    // Adopts the key index files background seals wrote (cheap when none is pending).
    void poll_key_seals() {
        if (!sealing_.empty()) std::erase_if(sealing_, [](const auto& s) { return !s->poll_key_seal(); });
    }
    // Makes a closed segment's key index seal go to the background executor.
    void seal_in_background(std::shared_ptr<segment> seg);
    // Producer state (log/partition_producers.cc): from the newest snapshot
    // at or below the log end and the batches after it.
    void load_producers(bool clean_shutdown);
    void replay_producers_from(int64_t offset);
    void snapshot_producers();  // as of the log end
    // Renames the snapshots past `offset` to *.deleted into `result`.
    void drop_producer_snapshots_above(int64_t offset, truncation& result);
    // Records what ended transactions leave behind: aborted ones in the
    // index (and its file with `write_index`), unreplicated ones for the LSO.
    void on_transactions_ended(std::vector<completed_txn> ended, bool write_index);
    // The aborted transactions of the index files below `replay_from`; the
    // replay from there rebuilds the rest (their entries leave the files).
    void load_transaction_index(int64_t replay_from);
    // Replays one batch found at `position` of `seg` into the producer state.
    void replay_batch(const segment& seg, const batch_position& batch);
    // Writes the leader-epoch checkpoint now if entries changed (truncation).
    void persist_epochs_if_dirty();
    // append_as_follower: the whole buffer's checks; `whole` gets the bytes
    // of whole batches (a partial one after them is left out).
    protocol::error_code check_follower_batches(std::span<const uint8_t> batches, size_t& whole) const;
    // Whether a batch of `bytes` ending at `last` cannot follow `pending`
    // bytes not yet written to the active segment.
    bool needs_new_segment(uint64_t pending, size_t bytes, int64_t last, int64_t now_ms) const;
    // A new active segment at `base` (>= log end); an empty active one is replaced.
    bool roll_at(int64_t base, int64_t now_ms);

    std::filesystem::path dir_;
    topic_partition tp_;
    log_config config_;
    std::vector<std::shared_ptr<segment>> segments_;  // by base offset; never empty
    leader_epoch_cache epochs_;
    producer_state producers_;
    std::vector<aborted_txn> aborted_;         // by marker offset
    std::vector<completed_txn> unreplicated_;  // ended, marker not yet below the high watermark
    recovery_report recovery_;
    std::atomic<int64_t> log_start_offset_{0};
    std::atomic<int64_t> recovery_point_{0};
    std::atomic<int64_t> high_watermark_{0};
    protocol::offset checkpointed_high_watermark_{0};
    int64_t last_flush_ms_ = 0;
    bool dir_dirty_ = false;
    bool swapping_ = false;
    background_executor background_;  // open_options::background
    std::vector<std::shared_ptr<segment>> sealing_;  // key index seals pending in the background
    bool append_prepared_ = false;
    const log_incarnation incarnation_;
};

}  // namespace sluice::log

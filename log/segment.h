#pragma once
// One segment of a partition log: a `.log` file of record batches and its
// two sparse indexes, all named after the base offset (log/format.h).
//
// Writes go to the end of the .log with pwrite; reads are preads of batch
// headers (to find boundaries) and file slices handed to the network layer,
// so batch bytes are never copied through this class.
//
// Only the .log stays open; the index files are opened when read or written
// (log/index_file.h says why), and their entries stay on disk.
//
// Threading: a segment belongs to its partition_log and is touched by that
// log's owner executor, except sync(), remove_files() and the fd, which may
// be used from any thread (they only use state fixed at open). Holders of a
// shared_ptr (file slices in flight, a flush or delete job) keep the fds
// open after the log dropped the segment; unlinked files live on until then.
#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "log/background.h"
#include "log/key_index.h"
#include "log/offset_index.h"
#include "log/time_index.h"
#include "log/types.h"
#include "protocol/error_code.h"
#include "protocol/record_batch.h"

namespace sluice::log {

// A batch header and where the batch starts in the .log.
struct batch_position {
    protocol::batch_header header;
    uint64_t position = 0;
};

// Cheap plausibility of a header found at `position` in a file of
// `file_size` bytes: magic 2, sane lengths, the batch fits in the file.
bool plausible_batch_header(const protocol::batch_header& header, uint64_t position, uint64_t file_size);

// While one is alive on a thread, segments' batch header reads (and
// segment::read) on that thread never wait for the disk: a header not in
// the page cache (preadv2 with RWF_NOWAIT says EAGAIN) reads as "no batch
// there", a read as failed, and the first is recorded in `missed`; the
// caller stops, has the pages read in elsewhere and asks again. Index
// blocks are still read as before (small, hot).
// Where RWF_NOWAIT is not supported the reads wait, as without the guard.
class nowait_header_reads {
public:
    nowait_header_reads();
    ~nowait_header_reads();
    nowait_header_reads(const nowait_header_reads&) = delete;
    nowait_header_reads& operator=(const nowait_header_reads&) = delete;
    // The first header that was not resident: its .log fd and position.
    struct miss {
        int fd = -1;
        uint64_t position = 0;
    };
    std::optional<miss> missed;
    // Whether the guard alive on this thread, if any, has recorded a miss.
    static bool active_miss();

private:
    nowait_header_reads* outer_;
};

class segment {
public:
    // New, empty segment files (existing files of that name are truncated).
    static std::shared_ptr<segment> create(const std::filesystem::path& dir, int64_t base_offset,
                                           const log_config& config, int64_t now_ms);
    // New segment files named with `suffix` after each extension
    // ("<base>.log.cleaned", ...): the log cleaner builds a segment beside the
    // one it replaces (log/segment_swap.h renames it into place later).
    static std::shared_ptr<segment> create_staged(const std::filesystem::path& dir, int64_t base_offset,
                                                  const log_config& config, int64_t now_ms, std::string_view suffix);
    // Existing files; the indexes are not read until load_trusted()/recovery.
    static std::shared_ptr<segment> open_existing(const std::filesystem::path& dir, int64_t base_offset,
                                                  const log_config& config);
    segment(const segment&) = delete;
    segment& operator=(const segment&) = delete;
    ~segment();

    // Trusts the indexes after a clean shutdown: checks them, then scans only
    // the batch headers after the last index entry to find the end. False
    // when anything looks wrong; the caller then recovers the segment.
    bool load_trusted();

    // --- data path (owner executor) ---
    // Appends batches whose offsets are already assigned.
    protocol::error_code append(std::span<const uint8_t> batches, int64_t now_ms);
    // append() in steps, for a write made elsewhere (log/write_ring.h writes
    // several partitions' appends together): begin_append reserves room for
    // `bytes` and returns where they go (the end); the caller writes them
    // there; end_append then records them, or abort_append cuts off whatever
    // part of a failed write landed. Nothing changes in between.
    uint64_t begin_append(size_t bytes);
    void end_append(std::span<const uint8_t> batches, uint64_t position, int64_t now_ms);
    void abort_append(uint64_t position, int error);
    // Whether the next append of `bytes` bytes ending at `last_offset` must
    // go to a new segment (segment.bytes, segment.ms, index full, offsets or
    // positions that no longer fit the 4-byte index fields).
    bool should_roll(const log_config& config, size_t bytes, int64_t last_offset, int64_t now_ms) const;
    // The first batch whose last offset >= `offset`, found through the index.
    std::optional<batch_position> find_batch(int64_t offset) const;
    // The first batch (from the time index hint on) with max_timestamp >= `timestamp`
    // and last offset >= `min_offset`.
    std::optional<batch_position> find_batch_by_timestamp(int64_t timestamp, int64_t min_offset) const;
    // Calls f(batch_position) for each batch from `position` while it returns true.
    template <typename F>
    void for_each_batch(uint64_t position, F&& f) const {
        batch_position batch;
        while (read_header_at(position, batch) && f(batch)) position += batch.header.total_size();
    }
    // Reads `size` bytes at `position` (rare paths: timestamp lookups).
    bool read(uint64_t position, size_t size, protocol::bytes& out) const;
    // Stops being the active segment: adds the final time index entry and
    // writes the indexes out. With a `background` executor the key index is
    // sealed there (log/key_index.h): poll_key_seal() adopts its file later.
    void on_inactive(const background_executor& background = {});
    // Owner: adopts a key index file a background seal wrote; true while
    // one is still pending.
    bool poll_key_seal() { return keys_ && keys_->poll_seal(); }
    // Owner, before this segment's files are renamed or removed: a pending
    // background seal of its key index is dropped (or, with `write`, made
    // here), one running is waited for; no file appears after this.
    void settle_key_seal(bool write) {
        if (keys_) keys_->settle_seal(write);
    }
    // Writes index entries made since the last call to the index files
    // (before a flush's sync(), at roll, after recovery).
    bool persist_indexes();
    // Removes every batch from the one containing `offset` on. The segment
    // ends at the cut at once (reads, appends, size()); with a `background`
    // executor the .log's ftruncate, which frees the blocks and may wait on
    // the journal, runs there instead (the index files are cut here: a few
    // KiB). Until it has run the bytes past the cut stay in the file, unread;
    // whatever writes the .log next (append, a further cut, the destructor)
    // makes the cut itself first if the job has not, so a late job never
    // cuts away bytes written after it was posted.
    bool truncate_to(int64_t offset, const background_executor& background = {});
    void update_config(const log_config& config);

    // --- recovery (log/recovery.cc) ---
    bool reset_indexes();
    // Bookkeeping for one batch now at `position`: indexes, max timestamp, end.
    void index_batch(const protocol::batch_header& header, uint64_t position);
    // Cuts the .log at `size` bytes.
    bool truncate_log(uint64_t size);
    // The key index's share of index_batch (a no-op without one): recovery
    // has the whole batch in memory.
    void index_keys(protocol::bytes_view batch, uint64_t position) {
        if (keys_) keys_->add_batch(batch, position);
    }
    // Writes the key index file once its segment is complete (recovery).
    void seal_keys(const background_executor& background = {});
    // The per-key index, null unless the topic has sluice.key.index.enable.
    const key_index* keys() const { return keys_.get(); }

    // --- any thread ---
    bool sync() const;          // fsync .log and the index files as persisted
    bool remove_files() const;  // unlink its files and producer snapshot; open fds stay valid
    int fd() const { return fd_; }

    int64_t base_offset() const { return base_offset_; }
    int64_t next_offset() const { return next_offset_; }  // last offset + 1 (base if empty)
    uint64_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    int64_t max_timestamp() const { return max_timestamp_; }  // -1 if no batch had one
    int64_t offset_of_max_timestamp() const { return offset_of_max_timestamp_; }
    // For retention.ms: the largest timestamp, or the file's mtime without any.
    int64_t largest_timestamp() const;
    const std::filesystem::path& log_path() const { return log_path_; }
    const offset_index& offsets() const { return offset_index_; }
    const time_index& times() const { return time_index_; }

private:
    segment(const std::filesystem::path& dir, int64_t base_offset, const log_config& config,
            std::string_view suffix = {});
    bool open_files(int flags);
    std::filesystem::path key_index_path() const;
    bool read_header_at(uint64_t position, batch_position& out) const;
    std::optional<batch_position> find_recent_batch(int64_t offset) const;
    void reserve_for(uint64_t end);
    void release_reserved();
    void reset_state();
    int64_t file_mtime_ms() const;
    // Makes the .log cut truncate_to() left to the background, if it is
    // still pending (owner executor, before anything writes the .log).
    void settle_cut();
    // The new end after a cut: size, reservation, the recent-batch ring.
    void set_end(uint64_t size);

    int64_t base_offset_;
    std::string suffix_;  // empty, except for segments staged by the cleaner
    std::filesystem::path log_path_;
    int fd_ = -1;
    offset_index offset_index_;
    time_index time_index_;
    int32_t index_interval_bytes_;
    int32_t segment_index_bytes_;

    uint64_t size_ = 0;
    // Disk blocks allocated up to here (>= size_ while active); see reserve_for().
    uint64_t reserved_ = 0;
    bool preallocate_ = true;
    static constexpr uint64_t min_reserve_ahead = 64 * 1024;
    static constexpr uint64_t max_reserve_ahead = 8 * 1024 * 1024;
    int64_t next_offset_;
    int64_t max_timestamp_ = -1;
    int64_t offset_of_max_timestamp_ = -1;
    uint64_t bytes_since_last_index_entry_ = 0;
    int64_t rolling_base_ms_ = -1;  // when the first batch arrived; segment.ms counts from here
    // The last batches indexed (last offset, position), oldest first from
    // recent_next_ once the ring is full. Followers and caught-up consumers
    // read at the end: they find their batch here with one header read,
    // instead of scanning up to index.interval.bytes of headers from the
    // last index entry on every fetch.
    struct recent_batch {
        int64_t last_offset = -1;
        uint64_t position = 0;
    };
    static constexpr size_t recent_capacity = 16;
    std::array<recent_batch, recent_capacity> recent_{};
    size_t recent_count_ = 0;
    size_t recent_next_ = 0;
    std::unique_ptr<key_index> keys_;  // only with log_config::key_index
    bool index_file_missing_ = false;  // at open: the indexes must be rebuilt, not trusted
    struct deferred_cut;
    std::shared_ptr<deferred_cut> cut_;  // the last .log cut handed to the background
};

}  // namespace sluice::log

#pragma once
// The sparse offset index of one segment (`.index`): maps the last offset of
// some batches to their file position, so a read can start scanning batch
// headers near its target instead of at the start of the segment. Byte
// format in log/format.h.
//
// The entries live in the file (log/index_file.h): lookups binary-search it
// through the thread's bounded index_block_cache, so memory does not grow
// with the log. Only the last entry is kept here. The file is read whole at
// startup only for segments that were persisted before (segment roll,
// flush, clean shutdown); every other segment is rebuilt from its .log by
// recovery. The file is not checksummed: load() checks what can be checked
// (size a multiple of 8, both fields strictly increasing, no position 0,
// last position inside the .log) and the segment rebuilds the index from
// the .log when that fails.
//
// Not thread-safe: owned by its segment, touched by the partition's owner
// executor; sync() may run on another thread (it only uses the path).
#include <cstdint>
#include <filesystem>
#include <optional>

#include "log/index_file.h"

namespace sluice::log {

class offset_index {
public:
    struct entry {
        int64_t offset = 0;     // absolute offset (last offset of the batch)
        uint32_t position = 0;  // byte position of the batch in the .log
    };

    offset_index();
    offset_index(const offset_index&) = delete;
    offset_index& operator=(const offset_index&) = delete;

    // Names the index file, creating it (empty) if missing; entries are not read yet.
    bool open(const std::filesystem::path& path, int64_t base_offset, int32_t max_index_bytes);
    // Reads and checks the file against a .log of `log_size` bytes. On false
    // the index is empty and the caller must rebuild it.
    bool load(uint64_t log_size);

    // Adds an entry; the caller guarantees both fields grow.
    void append(int64_t offset, uint32_t position);
    // The entry with the largest offset <= `offset`; {base_offset, 0} if none
    // (or if the file cannot be read: the scan then starts at the segment start).
    entry lookup(int64_t offset) const;
    // The last entry with position <= `max_position` and offset < `offset_limit`:
    // every batch before it is whole within both bounds (reads jump there).
    std::optional<entry> last_entry_within(uint64_t max_position, int64_t offset_limit) const;
    // Writes the entries not yet in the file.
    bool persist();
    // Drops every entry with offset >= `offset` (file truncated too).
    bool truncate_from(int64_t offset);
    // Drops everything (file truncated to zero), for a rebuild.
    bool reset();

    bool is_full() const { return file_.size() >= max_entries_; }
    size_t entry_count() const { return file_.size(); }
    std::optional<entry> last_entry() const { return last_; }
    void set_max_index_bytes(int32_t max_index_bytes);

    bool sync() const { return file_.sync(); }
    const std::filesystem::path& path() const { return file_.path(); }

private:
    entry decode(const uint8_t* raw) const;
    std::optional<entry> entry_at(size_t i) const;
    // The number of entries with offset < `offset` (entries with smaller offsets come first).
    std::optional<size_t> count_below(int64_t offset) const;

    index_file file_;
    int64_t base_offset_ = 0;
    size_t max_entries_ = 0;
    std::optional<entry> last_;
};

}  // namespace sluice::log

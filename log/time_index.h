#pragma once
// The sparse time index of one segment (`.timeindex`): pairs of (largest
// timestamp so far, last offset of the batch that had it), written next to
// the offset index entries when the timestamp grew. A timestamp lookup takes
// the last entry below its target: every batch up to that entry's offset is
// older than the target, so the scan can start there. Byte format in
// log/format.h; same trust rules as the offset index (checked on load,
// rebuilt from the .log when wrong).
//
// Entries live in the file, read through the bounded index_block_cache
// (log/index_file.h); threading and file handling as for offset_index.
#include <cstdint>
#include <filesystem>
#include <optional>

#include "log/index_file.h"

namespace sluice::log {

class time_index {
public:
    struct entry {
        int64_t timestamp = -1;
        int64_t offset = 0;  // absolute
    };

    time_index();
    time_index(const time_index&) = delete;
    time_index& operator=(const time_index&) = delete;

    bool open(const std::filesystem::path& path, int64_t base_offset, int32_t max_index_bytes);
    // Reads and checks the file; on false the index is empty.
    bool load();

    // Appends (timestamp, offset) if the timestamp grew since the last entry.
    // `even_if_full` is for the final entry of a segment that stops being active.
    void maybe_append(int64_t timestamp, int64_t offset, bool even_if_full = false);
    // Writes the entries not yet in the file.
    bool persist();
    // The last entry with timestamp < `timestamp`, if any (none if the file cannot be read).
    std::optional<entry> last_entry_before(int64_t timestamp) const;
    // Drops every entry with offset >= `offset`.
    bool truncate_from(int64_t offset);
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

    index_file file_;
    int64_t base_offset_ = 0;
    size_t max_entries_ = 0;
    std::optional<entry> last_;
};

}  // namespace sluice::log

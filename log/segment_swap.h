#pragma once
// File names and crash recovery of the log cleaner's segment swap
// (compaction/ drives the swap; recovery.cc completes an interrupted one).
//
// The cleaner replaces a run of closed segments [first base, next offset)
// with one cleaned segment whose base is the run's first base and whose last
// batch ends exactly where the run ended (the cleaner keeps the run's last
// batch, possibly emptied, so the range is readable from the file). Every
// file of a segment moves through these names, Kafka's:
//
//   1. <base>.{log,index,timeindex}.cleaned  written and fsynced off-thread
//   2. .cleaned -> .swap (indexes first, .log last), fsync dir
//        from here the swap is decided: recovery completes it
//   3. originals of the range -> .deleted, fsync dir, unlink
//   4. .swap -> final names (.log first), fsync dir
//
// Recovery (complete_interrupted_swaps, run before a partition's segments
// are listed): every `<base>.log.swap` is read to find its next offset; the
// original segment files with a base in [base, next offset) are deleted and
// the .swap files take the final names. Then the usual leftover sweep
// removes .cleaned, .deleted and stray index .swap files. So a crash before
// step 2 ends leaves the old segments, after it the new ones; never both.
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "log/file_util.h"

namespace sluice::log::segment_swap {

inline constexpr std::string_view cleaned_suffix = ".cleaned";
inline constexpr std::string_view swap_suffix = ".swap";
inline constexpr std::string_view deleted_suffix = ".deleted";

// The .log, .index, .timeindex and .keyindex paths of segment `base` in
// `dir`, each followed by `suffix` (empty for the final names). The
// .keyindex exists only for topics with the key index.
std::array<std::filesystem::path, 4> segment_files(const std::filesystem::path& dir, int64_t base,
                                                   std::string_view suffix);

// The same as bare file names.
std::array<std::string, 4> segment_names(int64_t base, std::string_view suffix);

// Renames the four files of segment `base` from `from` to `to` suffixes.
// `log_first` picks whether the .log moves first or last (see above: the
// .log.swap name is the commit point, so it appears last and leaves first).
// A missing index file is skipped (recovery rebuilds indexes); a missing
// .log is an error.
bool rename_files(const std::filesystem::path& dir, int64_t base, std::string_view from, std::string_view to,
                  bool log_first);
// The same through an open directory (the swap runs off the owner executor
// and must stay in the partition's directory even if it is renamed).
bool rename_files(const file_util::directory& dir, int64_t base, std::string_view from, std::string_view to,
                  bool log_first);

// Offset one past the last batch of the .log file at `path` (its header
// chain read from the start); `base` for an empty file; -1 on I/O error.
int64_t next_offset_of(const std::filesystem::path& path, int64_t base);

// Finishes every swap a crash interrupted in `dir` (step 2 done). False on
// I/O error.
bool complete_interrupted_swaps(const std::filesystem::path& dir);

}  // namespace sluice::log::segment_swap

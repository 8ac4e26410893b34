#pragma once
// Kafka's aborted-transaction index: `<segment base>.txnindex` beside a
// segment lists the transactions aborted by markers in that segment, so a
// read_committed fetch can tell its consumer which records to drop.
// Written only when a segment has such a marker.
//
// Entry (34 bytes, big-endian, Kafka's AbortedTxn):
//   version int16 (0), producer id int64, first offset int64,
//   last offset int64 (the ABORT marker), last stable offset int64
// Appended in marker order, not fsynced: after a crash, entries from the
// replayed part of the log are rebuilt from its markers.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

namespace sluice::log {

struct aborted_txn {
    int64_t producer_id = -1;
    int64_t first_offset = 0;
    int64_t last_offset = 0;
    int64_t last_stable_offset = 0;
    bool operator==(const aborted_txn&) const = default;
};

namespace transaction_index {

inline constexpr std::string_view suffix = ".txnindex";
inline constexpr size_t entry_size = 34;

std::filesystem::path path_for(const std::filesystem::path& dir, int64_t base);
bool append(const std::filesystem::path& path, const aborted_txn& entry);
// The whole entries of the file (a torn tail is left out); nullopt if unreadable.
std::optional<std::vector<aborted_txn>> read(const std::filesystem::path& path);
// Replaces the file's entries (atomically); no entries: the file goes.
bool rewrite(const std::filesystem::path& path, const std::vector<aborted_txn>& entries);
// The segment bases of the index files in `dir`, ascending.
std::vector<int64_t> list(const std::filesystem::path& dir);

}  // namespace transaction_index
}  // namespace sluice::log

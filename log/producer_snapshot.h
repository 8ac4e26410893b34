#pragma once
// Producer state snapshots: `<offset, 20 digits>.snapshot` in the partition
// directory holds every producer's state as of that log offset (the batches
// below it), in Kafka's format, so Kafka's tools read them and recovery only
// replays the batches after the newest one. Written when a segment rolls
// (named after the new segment's base offset) and at a clean close.
//
// Format (version 1, big-endian):
//   version  int16 (1)
//   crc      uint32, CRC-32C of every byte after this field
//   count    int32, then per producer:
//     producer id int64, epoch int16, last sequence int32, last offset int64,
//     offset delta int32 (last offset - first offset of its last batch),
//     timestamp int64, coordinator epoch int32,
//     current transaction's first offset int64 (-1: none)
// Only the producer's last batch is kept, as in Kafka: after a restart a
// retry of an older batch than the last is not recognised as a duplicate.
//
// Crash story: written in place without fsync. A torn or stale file fails
// its CRC or names an offset past the recovered log end and is ignored (and
// deleted), so recovery falls back to an older snapshot or the log itself.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "log/producer_state.h"

namespace sluice::log::producer_snapshot {

inline constexpr std::string_view suffix = ".snapshot";

std::string encode(const producer_state& state);
// nullopt if the bytes are not a whole, valid version 1 snapshot.
std::optional<std::vector<producer_entry>> decode(std::string_view bytes);

std::filesystem::path path_for(const std::filesystem::path& dir, int64_t offset);
bool write(const std::filesystem::path& dir, int64_t offset, const producer_state& state);
// The offsets of the snapshot files in `dir`, ascending.
std::vector<int64_t> list(const std::filesystem::path& dir);

}  // namespace sluice::log::producer_snapshot

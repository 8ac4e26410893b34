#pragma once
// Every byte the log module puts on disk. The layout is Kafka's, so Kafka's
// own tools (kafka-dump-log) read our segments and a Kafka user finds the
// files where they expect them.
//
// Directory layout
// ----------------
//   <log.dir>/
//     .kafka_cleanshutdown               empty; present only after a clean shutdown
//     recovery-point-offset-checkpoint   offsets known fsynced, per partition
//     log-start-offset-checkpoint        first readable offset, per partition
//     replication-offset-checkpoint      high watermark, per partition (may lag)
//     <topic>-<partition>/               one per partition; the partition number
//                                        follows the LAST '-' of the name
//       <base offset, 20 digits>.log       record batches v2, back to back
//       <base offset, 20 digits>.index     sparse offset index
//       <base offset, 20 digits>.timeindex sparse time index
//       leader-epoch-checkpoint            epoch → first offset of that epoch
//       <offset, 20 digits>.snapshot       producer state as of that offset
//                                          (log/producer_snapshot.h)
//       <base offset, 20 digits>.keyindex  per-key index of a closed segment
//                                          (Sluice's own; topics with
//                                          sluice.key.index.enable=true only)
//     <topic>-<partition>.<32 hex>-delete/ a partition being deleted
//
// .log — the batches exactly as produced and as served by fetch (see
// protocol/record_batch.h for the 61-byte header). Offsets strictly increase
// from one batch to the next. Nothing else is in the file: no framing, no
// padding, no footer. A torn write leaves a partial batch at the tail, which
// recovery finds (length past EOF or bad CRC) and truncates.
//
// .index — 8-byte entries, big-endian:
//   0  4  relative offset = batch last offset - segment base offset
//   4  4  file position of that batch in the .log
// One entry each time more than index.interval.bytes were appended since the
// previous entry (never for the first batch: position 0 needs no entry).
// Both fields strictly increase. Entries are not checksummed: they are
// rebuilt from the .log whenever they look wrong or the shutdown was unclean.
//
// .timeindex — 12-byte entries, big-endian:
//   0  8  largest batch max_timestamp seen in the segment so far
//   8  4  relative offset of the last record of the batch that had it
// Written next to each .index entry when the timestamp grew, plus one final
// entry when the segment stops being active (roll or close), so the last
// entry of a closed segment holds the segment's largest timestamp.
//
// .keyindex — Sluice's own (log/key_index.h); Kafka's tools ignore it. Written
// when a segment stops being active, replaced by rename (no fsync: a crash
// leaves the old file or an invalid one). Big-endian. A 48-byte header:
//   0  4  magic "SKIX"
//   4  2  version (1)
//   6  2  entry size (20 in version 1)
//   8  8  segment base offset
//  16  8  size of the .log the entries describe, in bytes
//  24  8  next offset of that .log (its last offset + 1)
//  32  8  entry count
//  40  4  CRC-32C of the entry bytes
//  44  4  CRC-32C of header bytes 0..43
// then the entries, sorted by (hash, relative offset), one per keyed record:
//   0  8  XXH3-64 (seed 0) of the record key
//   8  4  relative offset = record offset - segment base offset
//  12  4  file position in the .log of the batch holding the record
//  16  4  where the record starts inside an uncompressed batch (its length
//         varint), from the batch's first byte; 0 in a compressed batch,
//         which is read whole
// Records without a key and control batches have no entry. A file whose
// header, size, CRCs, base, .log size or next offset disagree with the
// segment is rebuilt from the .log; so is a missing one. A later version may
// widen the entry (an ingestion time per record); the entry size field lets
// a reader refuse, and rebuild, what it does not know.
//
// Checkpoint files (plain text, Kafka's formats, replaced atomically):
//   offset checkpoints      "0\n<count>\n<topic> <partition> <offset>\n"...
//     (recovery-point-offset-checkpoint, log-start-offset-checkpoint and
//     replication-offset-checkpoint, e.g. "0\n1\norders 3 1200\n": version 0,
//     one partition, orders-3 at 1200; ASCII, '\n' line ends, decimal offsets)
//   leader-epoch-checkpoint "0\n<count>\n<epoch> <start offset>\n"...
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::log::format {

inline constexpr std::string_view log_suffix = ".log";
inline constexpr std::string_view offset_index_suffix = ".index";
inline constexpr std::string_view time_index_suffix = ".timeindex";
inline constexpr std::string_view clean_shutdown_file = ".kafka_cleanshutdown";
inline constexpr std::string_view recovery_point_file = "recovery-point-offset-checkpoint";
inline constexpr std::string_view log_start_offset_file = "log-start-offset-checkpoint";
// Kafka's name for the high-watermark checkpoint.
inline constexpr std::string_view replication_offset_file = "replication-offset-checkpoint";
inline constexpr std::string_view leader_epoch_file = "leader-epoch-checkpoint";
inline constexpr std::string_view delete_dir_suffix = "-delete";
// Kafka's name for a partition directory no topic accounts for.
inline constexpr std::string_view stray_dir_suffix = "-stray";
inline constexpr std::string_view temp_suffix = ".tmp";
inline constexpr std::string_view key_index_suffix = ".keyindex";

inline constexpr size_t offset_index_entry_size = 8;
inline constexpr size_t time_index_entry_size = 12;
inline constexpr uint32_t key_index_magic = 0x534B4958;  // "SKIX"
inline constexpr uint16_t key_index_version = 1;
inline constexpr size_t key_index_header_size = 48;
inline constexpr size_t key_index_entry_size = 20;

// "00000000000000001234" for 1234: the base offset part of segment file names.
inline std::string file_stem(int64_t base_offset) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%020lld", static_cast<long long>(base_offset));
    return buf;
}

// The base offset of "00000000000000001234.log" style names; nullopt when
// `stem` is not exactly 20 digits.
inline std::optional<int64_t> parse_file_stem(std::string_view stem) {
    if (stem.size() != 20) return std::nullopt;
    int64_t value = 0;
    for (char c : stem) {
        if (c < '0' || c > '9') return std::nullopt;
        if (value > (INT64_MAX - (c - '0')) / 10) return std::nullopt;
        value = value * 10 + (c - '0');
    }
    return value;
}

// Big-endian helpers for index entries.
inline void store_be32(uint8_t* p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v >> 24);
    p[1] = static_cast<uint8_t>(v >> 16);
    p[2] = static_cast<uint8_t>(v >> 8);
    p[3] = static_cast<uint8_t>(v);
}
inline void store_be64(uint8_t* p, uint64_t v) {
    store_be32(p, static_cast<uint32_t>(v >> 32));
    store_be32(p + 4, static_cast<uint32_t>(v));
}
inline uint32_t load_be32(const uint8_t* p) {
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}
inline uint64_t load_be64(const uint8_t* p) {
    return (uint64_t{load_be32(p)} << 32) | load_be32(p + 4);
}

}  // namespace sluice::log::format

#pragma once
// Kafka's checkpoint text files, read and written the way Kafka does so a
// Kafka operator recognises them (formats in log/format.h):
//   recovery-point-offset-checkpoint, log-start-offset-checkpoint — one per
//     log dir, "<topic> <partition> <offset>" lines;
//   leader-epoch-checkpoint — one per partition, "<epoch> <start offset>".
// Writes replace the file atomically (tmp + fsync + rename + fsync dir).
// A file that is missing or does not parse exactly (wrong version, count
// that does not match, stray fields) reads as nullopt: the caller treats it
// as absent and falls back to recovering from the segments.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "log/types.h"

namespace sluice::log {

using offset_checkpoint = std::map<topic_partition, int64_t>;

struct epoch_entry {
    int32_t epoch = 0;
    int64_t start_offset = 0;
    bool operator==(const epoch_entry&) const = default;
};

std::string format_offset_checkpoint(const offset_checkpoint& offsets);
std::optional<offset_checkpoint> parse_offset_checkpoint(std::string_view text);
bool write_offset_checkpoint(const std::filesystem::path& file, const offset_checkpoint& offsets);
std::optional<offset_checkpoint> read_offset_checkpoint(const std::filesystem::path& file);

std::string format_epoch_checkpoint(const std::vector<epoch_entry>& entries);
std::optional<std::vector<epoch_entry>> parse_epoch_checkpoint(std::string_view text);
bool write_epoch_checkpoint(const std::filesystem::path& file, const std::vector<epoch_entry>& entries);
std::optional<std::vector<epoch_entry>> read_epoch_checkpoint(const std::filesystem::path& file);

}  // namespace sluice::log

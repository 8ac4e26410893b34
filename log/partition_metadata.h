#pragma once
// Kafka's `partition.metadata` file in each partition directory: the id of
// the topic the directory belongs to. A directory that outlived its topic (a
// delete whose rename a crash undid) is then never taken for a new topic of
// the same name.
#include <filesystem>
#include <optional>
#include <string_view>

#include "protocol/wire.h"

namespace sluice::log {

inline constexpr std::string_view partition_metadata_file = "partition.metadata";

// The topic id the directory records; nullopt when it records none (a
// directory from before the file existed) or the file is unreadable.
std::optional<protocol::uuid> read_partition_topic_id(const std::filesystem::path& dir);
// Written atomically and durably; false on an I/O error.
bool write_partition_topic_id(const std::filesystem::path& dir, const protocol::uuid& id);
// The same in a directory log_manager::create() just made: written without
// waiting for the disk, made durable by log_manager::sync_created().
bool write_new_partition_topic_id(const std::filesystem::path& dir, const protocol::uuid& id);

}  // namespace sluice::log

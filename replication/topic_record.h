#pragma once
// A topic as the cluster keeps it in etcd: its id, partition count,
// replication factor and config overrides (validated by the broker before
// they get here). The partitions' state is stored apart, one key each
// (partition_registration.h).
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "protocol/wire.h"

namespace sluice::replication {

struct topic_record {
    std::string name;
    protocol::uuid topic_id;
    int32_t partition_count = 0;
    int16_t replication_factor = 0;
    std::map<std::string, std::string> configs;
    bool operator==(const topic_record&) const = default;
};

std::string to_json(const topic_record& t);
// The name comes from the key; nullopt for anything but a topic document.
std::optional<topic_record> topic_record_from_json(const std::string& name, const std::string& text);

}  // namespace sluice::replication

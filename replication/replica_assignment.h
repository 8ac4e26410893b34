#pragma once
// Where a new topic's (or new partitions') replicas go, as Kafka places
// them: the first replica of partition p on broker (p + start) of the list,
// the others shifted so that leaders and followers spread evenly; with
// racks, the list alternates racks and no rack gets a second replica of a
// partition while another rack has none.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocol/error_code.h"

namespace sluice::replication {

struct assignment_request {
    int32_t partitions = 0;
    int32_t replication_factor = 0;
    int32_t first_partition = 0;  // CreatePartitions: the new ones start after the existing
    // Where the walk starts; Kafka picks both at random (tests fix them).
    int32_t start_index = 0;
    int32_t replica_shift = 0;
};

struct assignment_result {
    protocol::error_code error = protocol::error_code::none;
    std::string message;
    std::map<int32_t, std::vector<int32_t>> replicas;  // partition -> broker ids, preferred leader first
};

// `brokers`: live broker id -> rack (nullopt: none). Racks are used only if
// some broker has one; a broker without a rack then counts as a rack of its own.
// INVALID_REPLICATION_FACTOR when the factor is below 1 or above the broker count.
assignment_result assign_replicas(const std::map<int32_t, std::optional<std::string>>& brokers,
                                  const assignment_request& request);

}  // namespace sluice::replication

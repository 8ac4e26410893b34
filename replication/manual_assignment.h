#pragma once
// Explicit replica assignments from CreateTopics and CreatePartitions,
// checked as Kafka's controller checks them before anything is written, so
// that validate_only requests get the same answers as real ones:
//
// - every partition lists at least one broker, each a live (registered)
//   broker, none twice;
// - all partitions have the same number of replicas (CreatePartitions: the
//   topic's replication factor);
// - CreateTopics: each partition at most once, together 0..n-1;
//   CreatePartitions: exactly one list per added partition.
//
// Every refusal is INVALID_REPLICA_ASSIGNMENT. Pure functions; the stores
// check again against the brokers alive when they write.
#include <cstdint>
#include <set>
#include <utility>
#include <vector>

#include "replication/metadata_store.h"
#include "replication/op_result.h"

namespace sluice::replication {

struct manual_assignment {
    op_result error;  // ok: `replicas` holds the assignment
    replica_assignments replicas;
    int32_t partition_count = 0;
    int16_t replication_factor = 0;
};

// CreateTopics: (partition index, broker ids) in the order the request lists them.
manual_assignment check_topic_assignments(const std::vector<std::pair<int32_t, std::vector<int32_t>>>& listed,
                                          const std::set<int32_t>& live);

// CreatePartitions: one broker list per added partition, for partitions
// current..new_total-1 in order, each with `replication_factor` replicas.
manual_assignment check_added_assignments(const std::vector<std::vector<int32_t>>& listed, int32_t current,
                                          int32_t new_total, int16_t replication_factor,
                                          const std::set<int32_t>& live);

}  // namespace sluice::replication

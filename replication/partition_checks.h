#pragma once
// The checks both metadata stores make before changing partition state, as
// Kafka's controller makes them: an AlterPartition request against the
// current state, and explicit replica assignments against the live brokers.
// Pure functions; the error codes go to the client as they are.
#include <cstdint>
#include <set>
#include <vector>

#include "replication/metadata_store.h"
#include "replication/op_result.h"
#include "replication/partition_registration.h"

namespace sluice::replication {

// Why `current` refuses this ISR change (ok when with_isr() would accept it).
op_result check_alter_isr(const partition_registration& current, int32_t from_leader, int32_t leader_epoch,
                          int32_t partition_epoch, const std::vector<int32_t>& new_isr);

// Partitions first..first+count-1 each with `replication_factor` distinct
// live brokers (invalid_replica_assignment otherwise; a factor <= 0 takes
// the first partition's).
op_result check_assignments(const replica_assignments& assignments, int32_t first, int32_t count,
                            int16_t replication_factor, const std::set<int32_t>& live);

}  // namespace sluice::replication

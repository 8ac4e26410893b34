#pragma once
// Automatic preferred-leader rebalance (Kafka's auto.leader.rebalance.enable):
// every leader.imbalance.check.interval.seconds the controller counts, per
// broker, the partitions it is the preferred (first) replica of and how many
// of those another broker leads. Where that share is above
// leader.imbalance.per.broker.percentage, leadership goes back to the
// preferred replica for each of those partitions whose preferred replica is
// live, in the ISR and not in controlled shutdown.
#include <cstdint>
#include <set>
#include <vector>

#include "replication/partition_registration.h"

namespace sluice::replication {

// Indexes into `partitions` whose leadership should move to the preferred
// replica now.
std::vector<size_t> partitions_to_rebalance(const std::vector<const partition_registration*>& partitions,
                                            const std::set<int32_t>& live, const std::set<int32_t>& leaving,
                                            int32_t imbalance_percentage);

}  // namespace sluice::replication

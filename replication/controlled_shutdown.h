#pragma once
// Controlled shutdown (Kafka's controlled.shutdown.enable): a broker about to
// stop marks its registration (broker_info::controlled_shutdown); the
// controller then moves every leadership it holds to another live in-sync
// replica and takes it out of the ISRs, and the broker waits until its
// mirror shows that done (or its bound runs out) before it stops.
//
// Both halves are pure functions here: the controller's decision for one
// partition, and the broker's count of what is still to move.
#include <cstdint>
#include <optional>
#include <set>
#include <vector>

#include "replication/partition_registration.h"

namespace sluice::replication {

// The controller's step for brokers in controlled shutdown (`leaving`, all
// still live). A leaving leader hands over to the first replica that is
// live, in the ISR and not leaving (new leader epoch); if there is none it
// keeps leading — the partition stays available until the broker is gone,
// as Kafka's controller leaves such partitions alone. Leaving brokers drop
// out of the ISR wherever the leader is not leaving. nullopt when nothing
// changes.
std::optional<partition_registration> away_from_leaving(const partition_registration& current,
                                                        const std::set<int32_t>& live,
                                                        const std::set<int32_t>& leaving);

// The broker's side: whether `self`, leaving, still has something the
// controller is expected to move in this partition — a leadership some other
// live, in-sync, staying replica could take, or an ISR seat under a staying
// leader.
bool still_to_move(const partition_registration& state, int32_t self, const std::set<int32_t>& live,
                   const std::set<int32_t>& leaving);

}  // namespace sluice::replication

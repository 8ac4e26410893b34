#include "replication/leader_rebalance.h"

#include <map>

namespace sluice::replication {

std::vector<size_t> partitions_to_rebalance(const std::vector<const partition_registration*>& partitions,
                                            const std::set<int32_t>& live, const std::set<int32_t>& leaving,
                                            int32_t imbalance_percentage) {
    struct share {
        size_t preferred = 0;
        std::vector<size_t> led_elsewhere;
    };
    std::map<int32_t, share> by_broker;
    for (size_t i = 0; i < partitions.size(); ++i) {
        const partition_registration& p = *partitions[i];
        if (p.replicas.empty()) continue;
        share& s = by_broker[p.replicas.front()];
        ++s.preferred;
        if (p.leader != p.replicas.front()) s.led_elsewhere.push_back(i);
    }
    std::vector<size_t> out;
    for (const auto& [broker, s] : by_broker) {
        // Kafka's test: imbalance ratio strictly above the percentage.
        double ratio = static_cast<double>(s.led_elsewhere.size()) / static_cast<double>(s.preferred);
        if (ratio * 100.0 <= static_cast<double>(imbalance_percentage)) continue;
        if (!live.contains(broker) || leaving.contains(broker)) continue;
        for (size_t i : s.led_elsewhere) {
            if (partitions[i]->in_isr(broker)) out.push_back(i);
        }
    }
    return out;
}

}  // namespace sluice::replication

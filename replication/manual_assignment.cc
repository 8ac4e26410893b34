#include "replication/manual_assignment.h"

#include <algorithm>
#include <string>

namespace sluice::replication {

using protocol::error_code;

namespace {

op_result refuse(std::string why) { return {error_code::invalid_replica_assignment, std::move(why)}; }

// One partition's brokers; `factor`, when not 0, is how many it must have.
op_result check_partition(int32_t partition, const std::vector<int32_t>& replicas, size_t factor,
                          const std::set<int32_t>& live) {
    const std::string which = "partition " + std::to_string(partition);
    if (replicas.empty()) return refuse("The assignment of " + which + " has an empty replica list.");
    std::vector<int32_t> sorted = replicas;
    std::sort(sorted.begin(), sorted.end());
    for (size_t i = 0; i < sorted.size(); ++i) {
        if (!live.contains(sorted[i])) {
            return refuse("The assignment of " + which + " names broker " + std::to_string(sorted[i]) +
                          ", which is not a registered broker.");
        }
        if (i > 0 && sorted[i] == sorted[i - 1]) {
            return refuse("The assignment of " + which + " names broker " + std::to_string(sorted[i]) +
                          " more than once.");
        }
    }
    if (factor != 0 && replicas.size() != factor) {
        return refuse("The assignment of " + which + " has " + std::to_string(replicas.size()) +
                      " replica(s), inconsistent with the " + std::to_string(factor) + " of the other partitions.");
    }
    return {};
}

}  // namespace

manual_assignment check_topic_assignments(const std::vector<std::pair<int32_t, std::vector<int32_t>>>& listed,
                                          const std::set<int32_t>& live) {
    manual_assignment out;
    size_t factor = 0;
    for (const auto& [partition, replicas] : listed) {
        if (out.replicas.contains(partition)) {
            out.error = refuse("Partition " + std::to_string(partition) + " is assigned more than once.");
            return out;
        }
        if (auto r = check_partition(partition, replicas, factor, live); !r.ok()) {
            out.error = std::move(r);
            return out;
        }
        factor = replicas.size();
        out.replicas.emplace(partition, replicas);
    }
    // Keys are distinct: 0..n-1 exactly when the smallest is 0 and the largest n-1.
    const auto n = static_cast<int32_t>(out.replicas.size());
    if (n == 0 || out.replicas.begin()->first != 0 || out.replicas.rbegin()->first != n - 1) {
        out.error = refuse("The assigned partitions must be the consecutive sequence 0.." + std::to_string(n - 1) + ".");
        return out;
    }
    out.partition_count = n;
    out.replication_factor = static_cast<int16_t>(std::min<size_t>(factor, INT16_MAX));
    return out;
}

manual_assignment check_added_assignments(const std::vector<std::vector<int32_t>>& listed, int32_t current,
                                          int32_t new_total, int16_t replication_factor,
                                          const std::set<int32_t>& live) {
    manual_assignment out;
    const int64_t added = static_cast<int64_t>(new_total) - current;
    if (static_cast<int64_t>(listed.size()) != added) {
        out.error = refuse("Adding " + std::to_string(added) + " partition(s) but " + std::to_string(listed.size()) +
                           " assignment(s) were given.");
        return out;
    }
    for (size_t i = 0; i < listed.size(); ++i) {
        const int32_t partition = current + static_cast<int32_t>(i);
        const size_t factor = replication_factor > 0 ? static_cast<size_t>(replication_factor) : 0;
        if (auto r = check_partition(partition, listed[i], factor, live); !r.ok()) {
            out.error = std::move(r);
            return out;
        }
        out.replicas.emplace(partition, listed[i]);
    }
    out.partition_count = new_total;
    out.replication_factor = replication_factor;
    return out;
}

}  // namespace sluice::replication

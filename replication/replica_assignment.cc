#include "replication/replica_assignment.h"

#include <set>

namespace sluice::replication {

namespace {

// The broker index of the (j+2)-th replica: one to n-1 places after the
// first, so it never lands on the first.
size_t follower_index(size_t first, size_t shift, size_t j, size_t n) {
    size_t step = 1 + (shift + j) % (n - 1);
    return (first + step) % n;
}

// Brokers ordered rack by rack in turn (racks and brokers sorted), so
// neighbours in the list sit in different racks.
std::vector<int32_t> rack_alternated(const std::map<int32_t, std::string>& rack_of) {
    std::map<std::string, std::vector<int32_t>> by_rack;
    for (const auto& [id, rack] : rack_of) by_rack[rack].push_back(id);
    std::vector<int32_t> out;
    for (size_t round = 0; out.size() < rack_of.size(); ++round) {
        for (const auto& [rack, ids] : by_rack) {
            if (round < ids.size()) out.push_back(ids[round]);
        }
    }
    return out;
}

}  // namespace

assignment_result assign_replicas(const std::map<int32_t, std::optional<std::string>>& brokers,
                                  const assignment_request& request) {
    assignment_result out;
    const auto n = static_cast<int32_t>(brokers.size());
    if (request.replication_factor <= 0) {
        out.error = protocol::error_code::invalid_replication_factor;
        out.message = "Replication factor must be larger than 0.";
        return out;
    }
    if (request.replication_factor > n) {
        out.error = protocol::error_code::invalid_replication_factor;
        out.message = "Replication factor: " + std::to_string(request.replication_factor) +
                      " larger than available brokers: " + std::to_string(n) + ".";
        return out;
    }
    if (request.partitions <= 0) return out;

    bool racked = false;
    for (const auto& [id, rack] : brokers) racked = racked || rack.has_value();
    std::map<int32_t, std::string> rack_of;
    for (const auto& [id, rack] : brokers) {
        // A broker without a rack is a rack by itself (the id keeps it unique).
        rack_of[id] = rack ? "r:" + *rack : "n:" + std::to_string(id);
    }
    std::vector<int32_t> list;
    if (racked) {
        list = rack_alternated(rack_of);
    } else {
        for (const auto& [id, rack] : brokers) list.push_back(id);
    }
    std::set<std::string> all_racks;
    for (const auto& [id, rack] : rack_of) all_racks.insert(rack);
    const size_t racks = racked ? all_racks.size() : 1;

    const size_t size = list.size();
    const size_t start = static_cast<size_t>(std::max(0, request.start_index)) % size;
    size_t shift = static_cast<size_t>(std::max(0, request.replica_shift)) % size;
    for (int32_t i = 0; i < request.partitions; ++i) {
        const int32_t partition = std::max(0, request.first_partition) + i;
        if (partition > 0 && static_cast<size_t>(partition) % size == 0) ++shift;
        const size_t first = (static_cast<size_t>(partition) + start) % size;
        std::vector<int32_t> replicas{list[first]};
        if (!racked) {
            for (int32_t j = 0; j + 1 < request.replication_factor; ++j) {
                replicas.push_back(list[follower_index(first, shift, static_cast<size_t>(j), size)]);
            }
        } else {
            std::set<std::string> racks_used{rack_of[list[first]]};
            std::set<int32_t> brokers_used{list[first]};
            size_t k = 0;
            for (int32_t j = 0; j + 1 < request.replication_factor; ++j) {
                while (true) {
                    int32_t broker = list[follower_index(first, shift * racks, k++, size)];
                    const std::string& rack = rack_of[broker];
                    // Skip a rack that already has a replica while another has none,
                    // and a broker already used while another is unused.
                    bool rack_ok = !racks_used.contains(rack) || racks_used.size() == racks;
                    bool broker_ok = !brokers_used.contains(broker) || brokers_used.size() == size;
                    if (rack_ok && broker_ok) {
                        replicas.push_back(broker);
                        racks_used.insert(rack);
                        brokers_used.insert(broker);
                        break;
                    }
                }
            }
        }
        out.replicas[partition] = std::move(replicas);
    }
    return out;
}

}  // namespace sluice::replication

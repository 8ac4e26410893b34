#pragma once
// What a broker registers about itself: its id, rack and the endpoints
// clients reach it on (one per advertised listener), plus a random
// incarnation telling a restart from the broker it replaces, and whether it
// is in controlled shutdown.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sluice::replication {

struct broker_endpoint {
    std::string listener;  // "PLAINTEXT", ...
    std::string host;
    int32_t port = 0;
    std::string security_protocol;
    bool operator==(const broker_endpoint&) const = default;
};

struct broker_info {
    int32_t node_id = 0;
    std::optional<std::string> rack;
    std::vector<broker_endpoint> endpoints;
    std::string incarnation;
    // Set while the broker is in controlled shutdown (replication/
    // controlled_shutdown.h): the controller moves its leaderships away.
    // Written only when true, so older readers see the same document.
    bool controlled_shutdown = false;
    bool operator==(const broker_info&) const = default;
};

std::string to_json(const broker_info& info);
// nullopt for anything that is not a broker_info document.
std::optional<broker_info> broker_info_from_json(const std::string& text);

std::string random_incarnation();

}  // namespace sluice::replication

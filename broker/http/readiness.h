#pragma once
// GET /readyz: whether a load balancer or an orchestrator may send clients
// here. Ready once the logs are recovered (the listener only serves after
// the broker's constructor has recovered them), the broker is registered in
// the cluster (cluster mode: it is among the store's live brokers), and no
// partition it holds a replica of is without a leader.
#include <optional>
#include <string>

namespace sluice::broker {
class broker;
}

namespace sluice::broker::http {

// nullopt when ready; else a short reason.
std::optional<std::string> not_ready(broker& b);

}  // namespace sluice::broker::http

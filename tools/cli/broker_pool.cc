#include "tools/cli/broker_pool.h"

#include <thread>

#include "protocol/generated/find_coordinator.h"
#include "tools/cli/broker_error.h"
#include "tools/cli/cluster_metadata.h"

namespace sluice::tools {

namespace {

constexpr int16_t coordinator_load_in_progress = 14;
constexpr int16_t coordinator_not_available = 15;
constexpr int8_t group_key_type = 0;

std::string host_port(const std::string& host, int32_t port) {
    bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace

std::string broker_address::text() const { return host_port(host, port); }

broker_pool::broker_pool(const std::string& bootstrap, std::chrono::milliseconds timeout)
    : timeout_(timeout), bootstrap_(std::make_unique<kafka_client>(bootstrap, timeout)) {
    // An empty (not null) topic list asks for brokers only.
    auto metadata = fetch_metadata(*bootstrap_, std::vector<std::string>{});
    for (const auto& b : metadata.brokers)
        brokers_[b.node_id] = {b.host, b.port, b.rack.value_or("")};
}

kafka_client& broker_pool::node(int32_t id) {
    if (auto it = connections_.find(id); it != connections_.end()) return *it->second;
    auto b = brokers_.find(id);
    if (b == brokers_.end()) throw cli_error("broker " + std::to_string(id) + " is not in the cluster's metadata");
    auto client = std::make_unique<kafka_client>(b->second.text(), timeout_);
    return *connections_.emplace(id, std::move(client)).first->second;
}

int32_t broker_pool::coordinator_of(const std::string& group) {
    if (auto it = coordinators_.find(group); it != coordinators_.end()) return it->second;
    int16_t version = bootstrap_->version_for<protocol::find_coordinator_request>();
    auto deadline = std::chrono::steady_clock::now() + timeout_;
    while (true) {
        protocol::find_coordinator_request request;
        request.key_type = group_key_type;
        if (version >= 4) {
            request.coordinator_keys.push_back(group);
        } else {
            request.key = group;
        }
        auto response = bootstrap_->call<protocol::find_coordinator_response>(request, version);
        int16_t error = response.error_code;
        std::optional<std::string> message = response.error_message;
        int32_t node_id = response.node_id;
        std::string host = response.host;
        int32_t port = response.port;
        if (version >= 4) {
            if (response.coordinators.empty()) throw cli_error("FindCoordinator for group '" + group + "': no answer");
            const auto& c = response.coordinators.front();
            error = c.error_code;
            message = c.error_message;
            node_id = c.node_id;
            host = c.host;
            port = c.port;
        }
        bool retriable = error == coordinator_not_available || error == coordinator_load_in_progress;
        if (retriable && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            continue;
        }
        check_error(error, message, "cannot find the coordinator of group '" + group + "'");
        // The coordinator may have joined after our Metadata request.
        brokers_.try_emplace(node_id, broker_address{host, port, ""});
        coordinators_[group] = node_id;
        return node_id;
    }
}

std::map<topic_partition, int32_t> broker_pool::leaders_of(const std::vector<std::string>& topics,
                                                           std::map<std::string, int16_t>& topic_errors) {
    std::map<topic_partition, int32_t> out;
    if (topics.empty()) return out;
    auto metadata = fetch_metadata(*bootstrap_, topics);
    for (const auto& b : metadata.brokers)
        brokers_.try_emplace(b.node_id, broker_address{b.host, b.port, b.rack.value_or("")});
    for (const auto& t : metadata.topics) {
        std::string name = t.name.value_or("");
        if (t.error_code != 0) {
            topic_errors[name] = t.error_code;
            continue;
        }
        for (const auto& p : t.partitions) {
            if (p.leader_id >= 0) out[{name, p.partition_index}] = p.leader_id;
        }
    }
    return out;
}

}  // namespace sluice::tools

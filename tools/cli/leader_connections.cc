#include "tools/cli/leader_connections.h"

#include <algorithm>
#include <thread>

#include "protocol/generated/find_coordinator.h"
#include "protocol/generated/metadata.h"
#include "tools/cli/broker_error.h"

namespace sluice::tools {

namespace {

std::string address_of(const std::string& host, int32_t port) {
    bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace

bool is_stale_leader_error(int16_t code) {
    // LEADER_NOT_AVAILABLE, NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH
    return code == 5 || code == 6 || code == 74 || code == 75;
}

leader_connections::leader_connections(std::string bootstrap, std::chrono::milliseconds timeout, std::string topic,
                                       bool auto_create)
    : topic_(std::move(topic)), auto_create_(auto_create), timeout_(timeout), bootstrap_(bootstrap, timeout) {
    refresh();
}

void leader_connections::refresh() {
    // v4 is the first that lets us say whether to auto-create.
    int16_t version = bootstrap_.version_for<protocol::metadata_request>(4);
    auto give_up = std::chrono::steady_clock::now() + std::max(timeout_, std::chrono::milliseconds(10000));
    for (;;) {
        protocol::metadata_request request;
        request.topics.emplace();
        protocol::metadata_request::metadata_request_topic entry;
        entry.name = topic_;
        request.topics->push_back(std::move(entry));
        request.allow_auto_topic_creation = auto_create_;
        auto response = bootstrap_.call<protocol::metadata_response>(request, version);
        addresses_.clear();
        for (const auto& b : response.brokers)
            addresses_[b.node_id] = address_of(b.host, b.port);
        int16_t code = 3;  // UNKNOWN_TOPIC_OR_PARTITION when the topic is not in the answer
        leaders_.clear();
        for (const auto& t : response.topics) {
            if (t.name != topic_) continue;
            code = t.error_code;
            for (const auto& p : t.partitions)
                leaders_[p.partition_index] = p.leader_id;
        }
        bool leaderless = std::any_of(leaders_.begin(), leaders_.end(), [](const auto& l) { return l.second < 0; });
        if (code == 0 && !leaders_.empty() && !leaderless) return;
        // A topic being created answers LEADER_NOT_AVAILABLE, or no partitions, until it has leaders.
        bool settling = code == 5 || (code == 0 && (leaders_.empty() || leaderless));
        if (!settling || std::chrono::steady_clock::now() > give_up) {
            if (code == 0 && !leaders_.empty()) return;  // some partitions leaderless: leader() says so
            check_error(code == 0 ? int16_t{5} : code, std::nullopt, "topic '" + topic_ + "'");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

kafka_client& leader_connections::connect(const std::string& address) {
    if (address == bootstrap_.address()) return bootstrap_;
    auto& slot = by_address_[address];
    if (!slot) slot = std::make_unique<kafka_client>(address, timeout_);
    return *slot;
}

kafka_client& leader_connections::node(int32_t node_id) {
    auto it = addresses_.find(node_id);
    if (it == addresses_.end()) {
        throw cli_error("broker " + std::to_string(node_id) +
                        " is not in the cluster's metadata: " + describe_error(8));
    }
    return connect(it->second);
}

kafka_client& leader_connections::leader(int32_t partition) {
    auto it = leaders_.find(partition);
    if (it == leaders_.end()) {
        throw kafka_error(3, "topic '" + topic_ + "' has " + std::to_string(leaders_.size()) +
                        " partition(s); there is no partition " + std::to_string(partition) + ": " + describe_error(3));
    }
    if (it->second < 0) {
        throw kafka_error(5, topic_ + "-" + std::to_string(partition) + " has no leader: " + describe_error(5));
    }
    return node(it->second);
}

kafka_client& leader_connections::coordinator(const std::string& group) {
    auto cached = coordinators_.find(group);
    if (cached != coordinators_.end()) return connect(cached->second);
    // v1..v3 ask for one key (v4 batches them).
    int16_t version = bootstrap_.pick_version(protocol::find_coordinator_request::api_key, 1, 3);
    auto give_up = std::chrono::steady_clock::now() + std::max(timeout_, std::chrono::milliseconds(10000));
    for (;;) {
        protocol::find_coordinator_request request;
        request.key = group;
        request.key_type = 0;  // a consumer group
        auto response = bootstrap_.call<protocol::find_coordinator_response>(request, version);
        // COORDINATOR_NOT_AVAILABLE while the offsets topic comes up.
        if (response.error_code == 15 && std::chrono::steady_clock::now() < give_up) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            continue;
        }
        check_error(response.error_code, response.error_message,
                    "cannot find the coordinator of group '" + group + "'");
        std::string address = address_of(response.host, response.port);
        coordinators_[group] = address;
        return connect(address);
    }
}

}  // namespace sluice::tools

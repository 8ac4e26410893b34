#pragma once
// Connections to every broker of a cluster, for commands whose requests must
// go to a particular broker: a group's coordinator (FindCoordinator, key type
// 0) answers DescribeGroups, OffsetFetch, OffsetCommit and DeleteGroups; a
// partition's leader answers ListOffsets; each broker lists only the groups
// it coordinates. Addresses come from Metadata; connections are opened on
// first use and kept for the life of the command.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tools/cli/kafka_client.h"

namespace sluice::tools {

using topic_partition = std::pair<std::string, int32_t>;

struct broker_address {
    std::string host;
    int32_t port = 0;
    std::string rack;  // empty when the broker has none
    std::string text() const;
};

class broker_pool {
public:
    // `bootstrap` is "host:port[,host:port...]"; the first that answers is
    // used. Throws cli_error when none does.
    broker_pool(const std::string& bootstrap, std::chrono::milliseconds timeout);

    kafka_client& any() { return *bootstrap_; }
    kafka_client& node(int32_t id);
    const std::map<int32_t, broker_address>& brokers() const { return brokers_; }

    // The coordinator's node id for a consumer group. Retries
    // COORDINATOR_NOT_AVAILABLE / COORDINATOR_LOAD_IN_PROGRESS (a fresh
    // cluster creates __consumer_offsets on the first look-up) until the
    // timeout; any other error is a kafka_error.
    int32_t coordinator_of(const std::string& group);
    // Drops the cached coordinator after it answered NOT_COORDINATOR & co.
    void forget_coordinator(const std::string& group) { coordinators_.erase(group); }

    // Leader node of each partition of `topics`; partitions without a leader
    // are left out, and a topic in error (deleted, say) is left out with its
    // error code in `topic_errors`.
    std::map<topic_partition, int32_t> leaders_of(const std::vector<std::string>& topics,
                                                  std::map<std::string, int16_t>& topic_errors);

    std::chrono::milliseconds timeout() const { return timeout_; }

private:
    std::chrono::milliseconds timeout_;
    std::unique_ptr<kafka_client> bootstrap_;
    std::map<int32_t, broker_address> brokers_;
    std::map<int32_t, std::unique_ptr<kafka_client>> connections_;
    std::map<std::string, int32_t> coordinators_;
};

}  // namespace sluice::tools

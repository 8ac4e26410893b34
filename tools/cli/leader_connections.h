#pragma once
// Connections to the brokers that lead a topic's partitions (Produce,
// Fetch, ListOffsets and DeleteRecords must go to the leader) and to a
// group's coordinator, learned from the bootstrap broker. A connection to a
// node is opened on first use and reused; the bootstrap connection serves
// the node it points at.
#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "tools/cli/kafka_client.h"

namespace sluice::tools {

class leader_connections {
public:
    // Reads the topic's layout from Metadata (letting the broker auto-create
    // the topic when `auto_create`, as a Kafka client does, and waiting out
    // LEADER_NOT_AVAILABLE while it does). cli_error with the Kafka error
    // name when the topic does not exist.
    leader_connections(std::string bootstrap, std::chrono::milliseconds timeout, std::string topic, bool auto_create);

    int32_t partition_count() const { return static_cast<int32_t>(leaders_.size()); }

    // The connection to the partition's leader; cli_error LEADER_NOT_AVAILABLE
    // when it has none.
    kafka_client& leader(int32_t partition);

    // Re-reads the layout after NOT_LEADER_OR_FOLLOWER and the like.
    void refresh();

    // The group coordinator (FindCoordinator), cached.
    kafka_client& coordinator(const std::string& group);

private:
    kafka_client& node(int32_t node_id);
    kafka_client& connect(const std::string& address);

    std::string topic_;
    bool auto_create_;
    std::chrono::milliseconds timeout_;
    kafka_client bootstrap_;
    std::map<int32_t, int32_t> leaders_;                               // partition -> node id
    std::map<int32_t, std::string> addresses_;                         // node id -> host:port
    std::map<std::string, std::unique_ptr<kafka_client>> by_address_;  // opened connections
    std::map<std::string, std::string> coordinators_;                  // group -> host:port
};

// Kafka's error codes a client answers by re-reading metadata and retrying.
bool is_stale_leader_error(int16_t code);

}  // namespace sluice::tools

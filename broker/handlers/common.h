#pragma once
// Small pieces several handlers share.
#include <cstdint>
#include <functional>
#include <set>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/error_code.h"

namespace sluice::broker {

class broker;
}  // namespace sluice::broker
namespace sluice::replication {
struct broker_node;
}  // namespace sluice::replication
namespace sluice::broker {

// Where clients should connect to reach this broker: the advertised listener
// of the name a request came in on, as Kafka answers (the first one when
// there is none of that name).
struct endpoint {
    std::string host;
    int32_t port = 0;
};
endpoint advertised_endpoint(broker& b, std::string_view listener = {});
// Another broker's endpoint on `listener`; nullopt when it registered its
// listeners and none has that name (Kafka leaves such a broker out of what
// it tells that listener's clients); its first one when its listeners are
// unknown.
std::optional<endpoint> endpoint_of(const replication::broker_node& node, std::string_view listener);

// A member's host as Kafka shows it ("/127.0.0.1"), from "host:port".
std::string client_host_of(const std::string& peer);

// Creates `topic` with the broker defaults if auto-creation allows it;
// `done` gets none when the topic exists afterwards (it may run before this
// returns, or later on the broker's executor).
void auto_create_topic(broker& b, const std::string& topic, std::function<void(protocol::error_code)> done);

// The ids of the brokers alive now, as the metadata store knows them (a
// single node: itself).
std::set<int32_t> live_broker_ids(broker& b);

}  // namespace sluice::broker

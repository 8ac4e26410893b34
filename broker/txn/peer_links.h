#pragma once
// Connections from this broker to the others, by node id, for the
// transaction module's inter-broker requests (markers, verification). Made
// on first use from the live brokers' addresses; one that failed is
// forgotten so the next use reads the address again (a broker may come back
// elsewhere).
//
// Threading: I/O thread only.
#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace sluice::replication {
class kafka_connection;
}

namespace sluice::broker {
class broker;
}

namespace sluice::broker::txn {

class peer_links {
public:
    peer_links(broker& b, std::string client_id);
    ~peer_links();

    // nullptr when `node` is not a live broker.
    std::shared_ptr<replication::kafka_connection> to(int32_t node);
    // Called from a failed request's callback: the connection is dropped
    // once that callback has returned.
    void failed(int32_t node);
    void stop();

private:
    broker& broker_;
    std::string client_id_;
    std::map<int32_t, std::shared_ptr<replication::kafka_connection>> links_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sluice::broker::txn

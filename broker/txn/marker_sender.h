#pragma once
// Sends a finished transaction's COMMIT or ABORT markers to the leader of
// every partition in it, as WriteTxnMarkers over the Kafka protocol — to
// this broker too, so one path serves every leader.
//
// A partition whose leader answers NOT_LEADER_OR_FOLLOWER, an unknown
// partition, a timeout or a lost connection is retried after re-reading its
// leadership from the metadata store, until it succeeds or its topic is
// gone. The markers are fenced on the leader by producer and coordinator
// epoch, so a send that outlives this broker's coordinatorship is harmless.
//
// Threading: I/O thread only; `done` runs there.
#include <functional>
#include <map>
#include <memory>
#include <set>

#include "broker/txn/peer_links.h"
#include "broker/txn/txn_metadata.h"

namespace sluice::broker {
class broker;
}

namespace sluice::broker::txn {

struct txn_markers {
    producer_id pid;
    producer_epoch epoch;
    int32_t coordinator_epoch = 0;
    bool commit = false;
    std::set<topic_partition> partitions;
};

class marker_sender {
public:
    explicit marker_sender(broker& b);
    ~marker_sender();

    // `done` once every partition has its marker (or its topic is gone).
    void send(txn_markers markers, std::function<void()> done);
    void stop();

private:
    struct job;
    void round(std::shared_ptr<job> j);
    void retry_later(std::shared_ptr<job> j);

    broker& broker_;
    peer_links links_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sluice::broker::txn

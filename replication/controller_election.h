#pragma once
// Which broker is the controller: the one that created <prefix>/controller
// under its own lease. The key's create revision is the controller epoch;
// every write the controller makes compares it (fenced_by()), so a deposed
// controller — paused, partitioned, its lease gone — can never overwrite
// what its successor wrote.
//
// Every broker campaigns: whoever finds the key absent creates it; the
// others watch it and campaign again when it goes (its holder's lease
// expired or it resigned).
//
// Threading: everything on the executor given; callbacks run there.
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "replication/cluster_keys.h"
#include "replication/etcd/etcd_client.h"

namespace sluice::replication {

class controller_election {
public:
    struct callbacks {
        std::function<void(int64_t epoch)> on_elected;
        std::function<void()> on_deposed;
        std::function<void(std::optional<int32_t> controller)> on_controller_changed;
    };

    controller_election(boost::asio::any_io_executor executor, etcd::client& client, cluster_keys keys,
                        int32_t node_id, callbacks cb,
                        std::chrono::milliseconds retry_backoff = std::chrono::milliseconds(500));
    ~controller_election();

    // Campaigns under `lease` (the broker's registration lease). Call again
    // with the new lease after a re-registration.
    void campaign(int64_t lease);
    // Gives up the role (deleting the key if still ours) and stops campaigning.
    void resign(std::function<void()> done);

    bool is_controller() const { return epoch_ != 0; }
    int64_t epoch() const { return epoch_; }
    std::optional<int32_t> controller() const { return controller_; }
    // The guard for a controller write: still this controller's epoch.
    etcd::compare fenced_by() const;

private:
    void run();
    void watch_from(int64_t revision);
    void set_controller(std::optional<int32_t> id, int64_t epoch_if_mine);
    void retry_later();

    struct state;
    boost::asio::any_io_executor executor_;
    etcd::client& client_;
    cluster_keys keys_;
    int32_t node_id_;
    callbacks callbacks_;
    std::chrono::milliseconds retry_backoff_;
    std::unique_ptr<state> state_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    int64_t lease_ = 0;
    int64_t epoch_ = 0;
    std::optional<int32_t> controller_;
    bool stopped_ = false;
};

// {"node_id": N}
std::string controller_value(int32_t node_id);
std::optional<int32_t> controller_from_value(const std::string& value);

}  // namespace sluice::replication

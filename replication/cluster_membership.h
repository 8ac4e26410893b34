#pragma once
// A broker's part in the cluster, for the etcd metadata store's lifetime:
// its registration (lease, duplicate node.id refused), the directory of live
// brokers, the controller election and, while elected, the controller's
// work on the mirrored partitions. The store feeds it the mirror's changes
// (topics_changed) and hears of membership changes (on_change).
//
// Order of things: start() lists the brokers and registers; each
// (re)registration campaigns for the controller under the new lease. stop()
// resigns, then revokes the lease, so the others see this broker go at once
// (and a restart at the same endpoints does not wait for the session to run
// out). Destroying without stop() is a crash: the lease simply expires.
//
// Threading: everything on the executor given; callbacks run there.
#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "replication/broker_directory.h"
#include "replication/broker_registration.h"
#include "replication/cluster_metadata.h"
#include "replication/controller.h"
#include "replication/controller_election.h"

namespace sluice::replication {

class cluster_membership {
public:
    struct settings {
        broker_registration::settings registration;
        controller::settings leadership;
    };

    cluster_membership(boost::asio::any_io_executor executor, etcd::client& client, cluster_metadata& mirror,
                       settings s, std::function<void()> on_change);
    ~cluster_membership();

    // `done` once registered and the directory is loaded (nullopt), or with
    // the reason this broker may not join (a live duplicate node.id).
    void start(std::function<void(std::optional<std::string> refusal)> done);
    void stop(std::function<void()> done);

    void topics_changed(const std::set<std::string>& topics) { controller_->topics_changed(topics); }
    // Controlled shutdown: marks this broker's registration (see
    // broker_registration::announce_controlled_shutdown).
    void announce_controlled_shutdown(std::function<void(bool written)> done) {
        registration_->announce_controlled_shutdown(std::move(done));
    }

    const broker_directory::brokers& live() const { return directory_->live(); }
    std::optional<int32_t> controller_id() const { return election_->controller(); }
    bool is_controller() const { return election_->is_controller(); }

private:
    void maybe_started();

    std::unique_ptr<broker_directory> directory_;
    std::unique_ptr<controller_election> election_;
    std::unique_ptr<controller> controller_;
    std::unique_ptr<broker_registration> registration_;
    std::function<void()> on_change_;
    std::function<void(std::optional<std::string>)> start_done_;
    int32_t self_ = 0;
    bool registered_ = false;
    bool stopping_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sluice::replication

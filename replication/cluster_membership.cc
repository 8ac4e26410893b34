#include "replication/cluster_membership.h"

namespace sluice::replication {

cluster_membership::cluster_membership(boost::asio::any_io_executor executor, etcd::client& client,
                                       cluster_metadata& mirror, settings s, std::function<void()> on_change)
    : on_change_(std::move(on_change)), self_(s.registration.self.node_id) {
    const cluster_keys keys = s.registration.keys;
    const int32_t self = s.registration.self.node_id;
    std::weak_ptr<bool> alive = alive_;
    directory_ = std::make_unique<broker_directory>(executor, client, keys, [this, alive](const auto&) {
        if (alive.expired()) return;
        controller_->brokers_changed();
        maybe_started();
        if (on_change_) on_change_();
    });
    controller_election::callbacks election;
    election.on_elected = [this, alive](int64_t) {
        if (!alive.expired()) controller_->elected();
    };
    election.on_controller_changed = [this, alive](std::optional<int32_t>) {
        if (!alive.expired() && on_change_) on_change_();
    };
    election_ = std::make_unique<controller_election>(executor, client, keys, self, std::move(election));
    controller_ = std::make_unique<controller>(executor, mirror, *directory_, *election_, s.leadership);
    broker_registration::callbacks registered;
    // The controller key lives under the broker's lease: a new lease, a new campaign.
    registered.on_registered = [this, alive](int64_t lease) {
        if (!alive.expired() && !stopping_) election_->campaign(lease);
    };
    registration_ = std::make_unique<broker_registration>(executor, client, std::move(s.registration),
                                                          std::move(registered));
}

cluster_membership::~cluster_membership() {
    *alive_ = false;
    // Not a clean stop: no revoke, the lease runs out as after a crash.
    directory_->stop();
}

void cluster_membership::start(std::function<void(std::optional<std::string>)> done) {
    start_done_ = std::move(done);
    directory_->start();
    std::weak_ptr<bool> alive = alive_;
    registration_->start([this, alive](std::optional<std::string> refusal) {
        if (alive.expired()) return;
        if (refusal) {
            if (auto done = std::move(start_done_)) {
                start_done_ = nullptr;
                done(std::move(refusal));
            }
            return;
        }
        registered_ = true;
        maybe_started();
    });
}

void cluster_membership::maybe_started() {
    // Started once this broker sees itself: placements may use it at once.
    if (!registered_ || !directory_->live().contains(self_) || !start_done_) return;
    auto done = std::move(start_done_);
    start_done_ = nullptr;
    done(std::nullopt);
}

void cluster_membership::stop(std::function<void()> done) {
    if (stopping_) return done();
    stopping_ = true;
    std::weak_ptr<bool> alive = alive_;
    // Resign first: revoking the lease alone would make our own election
    // campaign again under the dead lease.
    election_->resign([this, alive, done = std::move(done)]() mutable {
        if (alive.expired()) return done();
        registration_->stop([this, alive, done = std::move(done)] {
            if (!alive.expired()) directory_->stop();
            done();
        });
    });
}

}  // namespace sluice::replication

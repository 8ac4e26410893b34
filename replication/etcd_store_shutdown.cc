// etcd_metadata_store's controlled shutdown (replication/controlled_shutdown.h):
// mark the registration, then wait for the mirror to show every leadership
// moved and every ISR seat given up, or for the bound to pass.
#include <spdlog/spdlog.h>

#include <boost/asio/steady_timer.hpp>

#include "replication/controlled_shutdown.h"
#include "replication/etcd_metadata_store.h"

namespace sluice::replication {

namespace {

struct shutdown_wait {
    std::function<void(size_t)> done;
    boost::asio::steady_timer deadline;
    boost::asio::steady_timer retry;
    metadata_store::subscription topics;
    metadata_store::subscription cluster;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    std::function<void()> announce;
    bool announced = false;
    explicit shutdown_wait(const boost::asio::any_io_executor& ex) : deadline(ex), retry(ex) {}
};

}  // namespace

void etcd_metadata_store::controlled_shutdown(std::chrono::milliseconds bound, std::function<void(size_t)> done) {
    auto w = std::make_shared<shutdown_wait>(executor_);
    w->done = std::move(done);
    const int32_t self = options_.node_id;
    std::weak_ptr<bool> alive = alive_;

    auto remaining = [this, self] {
        std::set<int32_t> live;
        std::set<int32_t> leaving{self};
        for (const auto& [id, info] : membership_->live()) {
            live.insert(id);
            if (info.controlled_shutdown) leaving.insert(id);
        }
        size_t n = 0;
        for (const auto& [name, t] : mirror_->topics()) {
            for (const auto& [p, entry] : mirror_->partitions_of(t.topic.topic_id)) {
                if (p < t.topic.partition_count && still_to_move(entry.state, self, live, leaving)) ++n;
            }
        }
        return n;
    };
    auto ms_since = [](std::chrono::steady_clock::time_point t) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t).count();
    };
    // The subscriptions and the deadline hold `w`; finishing drops them.
    auto finish = [w](size_t n) {
        if (!w->done) return;
        auto d = std::move(w->done);
        w->done = nullptr;
        w->deadline.cancel();
        w->retry.cancel();
        w->topics.reset();
        w->cluster.reset();
        w->announce = nullptr;
        d(n);
    };
    auto check = [alive, w, remaining, finish, ms_since] {
        if (alive.expired() || !w->done || !w->announced) return;
        if (remaining() > 0) return;
        spdlog::info("controlled shutdown: nothing left to move after {} ms", ms_since(w->started));
        finish(0);
    };

    spdlog::info("controlled shutdown: asking the controller to move {} partition(s) away (waiting at most {} ms)",
                 remaining(), bound.count());
    w->topics = watch(executor_, [check](const std::vector<std::string>&) { check(); });
    w->cluster = watch_cluster(executor_, [check] { check(); });
    w->deadline.expires_after(bound);
    w->deadline.async_wait([alive, w, remaining, finish, ms_since](boost::system::error_code ec) {
        if (ec || alive.expired() || !w->done) return;
        size_t n = remaining();
        spdlog::warn("controlled shutdown: {} partition(s) still to move after {} ms; stopping anyway", n,
                     ms_since(w->started));
        finish(n);
    });

    // Written once; retried every half second while etcd does not take it.
    std::weak_ptr<shutdown_wait> weak = w;
    w->announce = [this, alive, weak, check] {
        auto held = weak.lock();
        if (alive.expired() || !held || !held->done) return;
        membership_->announce_controlled_shutdown([alive, weak, check](bool written) {
            auto held = weak.lock();
            if (alive.expired() || !held || !held->done) return;
            if (written) {
                held->announced = true;
                return check();
            }
            held->retry.expires_after(std::chrono::milliseconds(500));
            held->retry.async_wait([weak](boost::system::error_code ec) {
                auto held = weak.lock();
                if (!ec && held && held->done) held->announce();
            });
        });
    };
    w->announce();
}

}  // namespace sluice::replication

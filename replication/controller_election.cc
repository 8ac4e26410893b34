#include "replication/controller_election.h"

#include <spdlog/spdlog.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include "replication/etcd/etcd_watch.h"

namespace sluice::replication {

namespace asio = boost::asio;

std::string controller_value(int32_t node_id) {
    return boost::json::serialize(boost::json::object{{"node_id", node_id}});
}

std::optional<int32_t> controller_from_value(const std::string& value) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(value, ec);
    if (ec || !v.is_object()) return std::nullopt;
    const boost::json::value* id = v.as_object().if_contains("node_id");
    if (id == nullptr || !id->is_int64() || id->as_int64() < INT32_MIN || id->as_int64() > INT32_MAX) {
        return std::nullopt;
    }
    return static_cast<int32_t>(id->as_int64());
}

struct controller_election::state {
    asio::steady_timer retry;
    std::shared_ptr<etcd::watch_stream> watch;
    explicit state(const asio::any_io_executor& ex) : retry(ex) {}
};

controller_election::controller_election(asio::any_io_executor executor, etcd::client& client, cluster_keys keys,
                                         int32_t node_id, callbacks cb, std::chrono::milliseconds retry_backoff)
    : executor_(std::move(executor)),
      client_(client),
      keys_(std::move(keys)),
      node_id_(node_id),
      callbacks_(std::move(cb)),
      retry_backoff_(retry_backoff),
      state_(std::make_unique<state>(executor_)) {}

controller_election::~controller_election() {
    *alive_ = false;
    if (state_->watch) state_->watch->cancel();
}

etcd::compare controller_election::fenced_by() const { return etcd::compare::created_at(keys_.controller(), epoch_); }

void controller_election::campaign(int64_t lease) {
    stopped_ = false;
    lease_ = lease;
    if (state_->watch) state_->watch->cancel();
    state_->watch.reset();
    state_->retry.cancel();
    run();
}

void controller_election::run() {
    if (stopped_) return;
    const std::string key = keys_.controller();
    etcd::txn_request claim;
    claim.compares.push_back(etcd::compare::absent(key));
    claim.success.push_back(etcd::put_op{key, controller_value(node_id_), lease_});
    claim.failure.push_back(etcd::range_op{key, ""});
    std::weak_ptr<bool> alive = alive_;
    int64_t lease = lease_;
    client_.txn(claim, [this, alive, lease](etcd::result<etcd::txn_response> r) {
        if (alive.expired() || stopped_ || lease != lease_) return;
        if (!r) {
            spdlog::warn("cluster: controller election: {}; retrying", r.err().message);
            return retry_later();
        }
        if (r->succeeded) {
            // The put's revision is the key's create revision: the new epoch.
            set_controller(node_id_, r->head.revision);
        } else if (!r->results.empty() && !r->results[0].empty()) {
            const etcd::key_value& holder = r->results[0][0];
            auto id = controller_from_value(holder.value);
            // Our own key under the lease we hold still is our win (a watch
            // that ended, say while etcd was away, brings us back here):
            // nobody else can claim it while it stands. Our key from a lease
            // we no longer use (before a re-registration) is not: it goes
            // with that lease.
            const bool ours = id == node_id_ && holder.lease == lease_;
            set_controller(id, ours ? holder.create_revision : 0);
        } else {
            // Gone between the compare and the range: try again now.
            return run();
        }
        watch_from(r->head.revision + 1);
    });
}

void controller_election::watch_from(int64_t revision) {
    std::weak_ptr<bool> alive = alive_;
    state_->watch = client_.watch(
        keys_.controller(), "", revision,
        [this, alive](const etcd::watch_response& m) {
            if (alive.expired() || stopped_) return;
            for (const auto& e : m.events) {
                if (e.what == etcd::watch_event::kind::remove) {
                    set_controller(std::nullopt, 0);
                    if (state_->watch) state_->watch->cancel();
                    state_->watch.reset();
                    return run();
                }
                bool mine = epoch_ != 0 && e.kv.create_revision == epoch_;
                if (!mine) set_controller(controller_from_value(e.kv.value), 0);
            }
        },
        [this, alive](const etcd::error& e) {
            if (alive.expired() || stopped_) return;
            spdlog::warn("cluster: controller watch ended ({}); watching again", e.message);
            state_->watch.reset();
            retry_later();
        });
}

void controller_election::set_controller(std::optional<int32_t> id, int64_t epoch_if_mine) {
    bool was_mine = epoch_ != 0;
    epoch_ = epoch_if_mine;
    bool changed = id != controller_;
    controller_ = id;
    if (was_mine && epoch_ == 0) {
        spdlog::warn("cluster: node {} is no longer the controller", node_id_);
        if (callbacks_.on_deposed) callbacks_.on_deposed();
    }
    if (changed && callbacks_.on_controller_changed) callbacks_.on_controller_changed(id);
    if (!was_mine && epoch_ != 0) {
        spdlog::info("cluster: node {} is the controller (epoch {})", node_id_, epoch_);
        if (callbacks_.on_elected) callbacks_.on_elected(epoch_);
    }
}

void controller_election::retry_later() {
    std::weak_ptr<bool> alive = alive_;
    state_->retry.expires_after(retry_backoff_);
    state_->retry.async_wait([this, alive](boost::system::error_code ec) {
        if (ec || alive.expired() || stopped_) return;
        run();
    });
}

void controller_election::resign(std::function<void()> done) {
    stopped_ = true;
    state_->retry.cancel();
    if (state_->watch) state_->watch->cancel();
    state_->watch.reset();
    if (epoch_ == 0) return done();
    etcd::txn_request give_up;
    give_up.compares.push_back(fenced_by());
    give_up.success.push_back(etcd::delete_op{keys_.controller(), ""});
    set_controller(std::nullopt, 0);
    client_.txn(give_up, [done = std::move(done)](etcd::result<etcd::txn_response>) { done(); });
}

}  // namespace sluice::replication

#include "replication/broker_registration.h"

#include <spdlog/spdlog.h>

#include <boost/asio/steady_timer.hpp>

namespace sluice::replication {

namespace asio = boost::asio;

struct broker_registration::timers {
    asio::steady_timer retry;
    asio::steady_timer keepalive;
    explicit timers(const asio::any_io_executor& ex) : retry(ex), keepalive(ex) {}
};

broker_registration::broker_registration(asio::any_io_executor executor, etcd::client& client, settings s,
                                         callbacks cb)
    : executor_(std::move(executor)),
      client_(client),
      settings_(std::move(s)),
      callbacks_(std::move(cb)),
      timers_(std::make_unique<timers>(executor_)) {}

broker_registration::~broker_registration() { *alive_ = false; }

void broker_registration::start(std::function<void(std::optional<std::string>)> done) {
    start_done_ = std::move(done);
    attempt();
}

namespace {

std::string where(const broker_info& info) {
    std::string out;
    for (const auto& e : info.endpoints) out += (out.empty() ? "" : ",") + e.host + ":" + std::to_string(e.port);
    return out.empty() ? "(no endpoints)" : out;
}

}  // namespace

void broker_registration::attempt() {
    if (stopped_) return;
    // etcd leases are whole seconds; round the session timeout up.
    int64_t ttl = std::max<int64_t>(1, (settings_.session_timeout.count() + 999) / 1000);
    std::weak_ptr<bool> alive = alive_;
    client_.lease_grant(ttl, [this, alive](etcd::result<etcd::lease_grant_response> r) {
        if (alive.expired() || stopped_) return;
        if (!r) {
            spdlog::warn("cluster: cannot reach etcd to register node {} ({}); retrying", settings_.self.node_id,
                         r.err().message);
            return retry_later();
        }
        on_lease(r->id);
    });
}

void broker_registration::on_lease(int64_t lease) {
    const std::string key = settings_.keys.broker(settings_.self.node_id);
    etcd::txn_request create;
    create.compares.push_back(etcd::compare::absent(key));
    create.success.push_back(etcd::put_op{key, to_json(settings_.self), lease});
    create.failure.push_back(etcd::range_op{key, ""});
    std::weak_ptr<bool> alive = alive_;
    client_.txn(create, [this, alive, lease, key](etcd::result<etcd::txn_response> r) {
        if (alive.expired()) return;
        if (!r || !r->succeeded || stopped_) {
            // This lease holds nothing; let it go now rather than at its TTL.
            client_.lease_revoke(lease, [](etcd::result<etcd::header>) {});
        }
        if (stopped_) return;
        if (!r) {
            spdlog::warn("cluster: registering node {} failed ({}); retrying", settings_.self.node_id,
                         r.err().message);
            return retry_later();
        }
        if (!r->succeeded) {
            std::optional<broker_info> holder;
            if (!r->results.empty() && !r->results[0].empty()) holder = broker_info_from_json(r->results[0][0].value);
            if (!holder || holder->endpoints != settings_.self.endpoints) {
                std::string refusal = "node.id " + std::to_string(settings_.self.node_id) +
                                      " is already registered by a live broker at " +
                                      (holder ? where(*holder) : std::string("an unreadable registration")) +
                                      " (etcd key " + key + "); give this broker another node.id";
                if (auto done = std::move(start_done_)) {
                    start_done_ = nullptr;
                    done(refusal);
                } else {
                    spdlog::error("cluster: {}", refusal);
                    retry_later();
                }
                return;
            }
            if (!warned_waiting_) {
                spdlog::info("cluster: node {} is still registered by a previous run at these endpoints; waiting "
                             "for its session to expire",
                             settings_.self.node_id);
                warned_waiting_ = true;
            }
            return retry_later();
        }
        lease_ = lease;
        registered_ = true;
        warned_waiting_ = false;
        spdlog::info("cluster: node {} registered (lease {:x})", settings_.self.node_id, lease);
        schedule_keepalive();
        if (callbacks_.on_registered) callbacks_.on_registered(lease);
        if (auto done = std::move(start_done_)) {
            start_done_ = nullptr;
            done(std::nullopt);
        }
    });
}

void broker_registration::schedule_keepalive() {
    std::weak_ptr<bool> alive = alive_;
    timers_->keepalive.expires_after(settings_.session_timeout / 3);
    timers_->keepalive.async_wait([this, alive](boost::system::error_code ec) {
        if (ec || alive.expired() || stopped_) return;
        keepalive();
    });
}

void broker_registration::keepalive() {
    std::weak_ptr<bool> alive = alive_;
    int64_t lease = lease_;
    client_.lease_keepalive(lease, [this, alive, lease](etcd::result<int64_t> r) {
        if (alive.expired() || stopped_ || lease != lease_) return;
        if (!r) {
            // etcd unreachable: keep serving and keep trying; the lease may
            // still be alive when it comes back.
            spdlog::warn("cluster: etcd keepalive for node {} failed: {}", settings_.self.node_id, r.err().message);
            return schedule_keepalive();
        }
        if (r.value() > 0) return schedule_keepalive();
        spdlog::warn("cluster: node {}'s etcd session expired; registering again", settings_.self.node_id);
        registered_ = false;
        lease_ = 0;
        if (callbacks_.on_session_lost) callbacks_.on_session_lost();
        attempt();
    });
}

void broker_registration::retry_later() {
    std::weak_ptr<bool> alive = alive_;
    timers_->retry.expires_after(settings_.retry_backoff);
    timers_->retry.async_wait([this, alive](boost::system::error_code ec) {
        if (ec || alive.expired() || stopped_) return;
        attempt();
    });
}

void broker_registration::announce_controlled_shutdown(std::function<void(bool)> done) {
    settings_.self.controlled_shutdown = true;
    if (!registered_ || stopped_ || lease_ == 0) return done(false);
    const std::string key = settings_.keys.broker(settings_.self.node_id);
    // Only over our own registration: a key under another lease is not ours.
    etcd::txn_request update;
    update.compares.push_back(etcd::compare{key, etcd::compare::target::lease, etcd::compare::op::equal, lease_, {}});
    update.success.push_back(etcd::put_op{key, to_json(settings_.self), lease_});
    std::weak_ptr<bool> alive = alive_;
    client_.txn(update, [alive, done = std::move(done)](etcd::result<etcd::txn_response> r) {
        if (alive.expired()) return;
        done(r && r->succeeded);
    });
}

void broker_registration::stop(std::function<void()> done) {
    stopped_ = true;
    timers_->retry.cancel();
    timers_->keepalive.cancel();
    registered_ = false;
    if (lease_ == 0) return done();
    int64_t lease = std::exchange(lease_, 0);
    client_.lease_revoke(lease, [done = std::move(done)](etcd::result<etcd::header>) { done(); });
}

}  // namespace sluice::replication

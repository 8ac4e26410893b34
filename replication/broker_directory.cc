#include "replication/broker_directory.h"

#include <spdlog/spdlog.h>

#include <boost/asio/steady_timer.hpp>
#include <charconv>

#include "replication/etcd/etcd_watch.h"

namespace sluice::replication {

namespace asio = boost::asio;

struct broker_directory::state {
    asio::steady_timer retry;
    std::shared_ptr<etcd::watch_stream> watch;
    explicit state(const asio::any_io_executor& ex) : retry(ex) {}
};

broker_directory::broker_directory(asio::any_io_executor executor, etcd::client& client, cluster_keys keys,
                                   std::function<void(const brokers&)> on_change,
                                   std::chrono::milliseconds retry_backoff)
    : executor_(std::move(executor)),
      client_(client),
      keys_(std::move(keys)),
      on_change_(std::move(on_change)),
      retry_backoff_(retry_backoff),
      state_(std::make_unique<state>(executor_)) {}

broker_directory::~broker_directory() {
    *alive_ = false;
    if (state_->watch) state_->watch->cancel();
}

void broker_directory::start() {
    stopped_ = false;
    list();
}

void broker_directory::stop() {
    stopped_ = true;
    state_->retry.cancel();
    if (state_->watch) state_->watch->cancel();
    state_->watch.reset();
}

std::optional<int32_t> broker_directory::node_of(const std::string& key) const {
    const std::string prefix = keys_.brokers();
    if (!key.starts_with(prefix)) return std::nullopt;
    int32_t id = 0;
    const char* first = key.data() + prefix.size();
    const char* last = key.data() + key.size();
    auto [end, ec] = std::from_chars(first, last, id);
    if (ec != std::errc{} || end != last || first == last) return std::nullopt;
    return id;
}

void broker_directory::list() {
    std::weak_ptr<bool> alive = alive_;
    client_.range(keys_.brokers(), etcd::prefix_end(keys_.brokers()), [this, alive](etcd::result<etcd::range_response> r) {
        if (alive.expired() || stopped_) return;
        if (!r) {
            spdlog::warn("cluster: cannot list brokers ({}); retrying", r.err().message);
            return retry_later();
        }
        brokers fresh;
        for (const auto& kv : r->kvs) {
            auto id = node_of(kv.key);
            auto info = broker_info_from_json(kv.value);
            if (!id || !info || info->node_id != *id) {
                spdlog::warn("cluster: ignoring unreadable broker registration {}", kv.key);
                continue;
            }
            fresh.emplace(*id, std::move(*info));
        }
        bool changed = !loaded_ || fresh != live_;
        live_ = std::move(fresh);
        loaded_ = true;
        if (changed && on_change_) on_change_(live_);
        watch_from(r->head.revision + 1);
    });
}

void broker_directory::watch_from(int64_t revision) {
    std::weak_ptr<bool> alive = alive_;
    state_->watch = client_.watch(
        keys_.brokers(), etcd::prefix_end(keys_.brokers()), revision,
        [this, alive](const etcd::watch_response& m) {
            if (alive.expired() || stopped_) return;
            bool changed = false;
            for (const auto& e : m.events) {
                auto id = node_of(e.kv.key);
                if (!id) continue;
                if (e.what == etcd::watch_event::kind::remove) {
                    changed = live_.erase(*id) > 0 || changed;
                    continue;
                }
                auto info = broker_info_from_json(e.kv.value);
                if (!info || info->node_id != *id) continue;
                auto& slot = live_[*id];
                changed = changed || slot != *info;
                slot = std::move(*info);
            }
            if (changed && on_change_) on_change_(live_);
        },
        [this, alive](const etcd::error& e) {
            if (alive.expired() || stopped_) return;
            spdlog::warn("cluster: broker watch ended ({}); listing again", e.message);
            state_->watch.reset();
            retry_later();
        });
}

void broker_directory::retry_later() {
    std::weak_ptr<bool> alive = alive_;
    state_->retry.expires_after(retry_backoff_);
    state_->retry.async_wait([this, alive](boost::system::error_code ec) {
        if (ec || alive.expired() || stopped_) return;
        list();
    });
}

std::set<int32_t> leader_candidates(const broker_directory::brokers& live) {
    std::set<int32_t> out;
    for (const auto& [id, info] : live) {
        if (!info.controlled_shutdown) out.insert(id);
    }
    return out;
}

}  // namespace sluice::replication

// The live connections (connection_registry.h).
#include "broker/net/connection_registry.h"

#include <vector>

#include "broker/net/connection.h"

namespace sluice::broker {

void connection_registry::add(const std::shared_ptr<connection>& c, const std::string& ip) {
    live_[c.get()] = entry{c, ip};
    ++per_ip_[ip];
}

void connection_registry::remove(connection* c) {
    auto it = live_.find(c);
    if (it == live_.end()) return;
    auto ip = per_ip_.find(it->second.ip);
    if (ip != per_ip_.end() && --ip->second == 0) per_ip_.erase(ip);
    live_.erase(it);
    if (on_remove_) on_remove_();
}

size_t connection_registry::from(const std::string& ip) const {
    auto it = per_ip_.find(ip);
    return it == per_ip_.end() ? 0 : it->second;
}

void connection_registry::close_all() {
    on_remove_ = nullptr;
    std::vector<std::shared_ptr<connection>> live;
    for (auto& [ptr, e] : live_) {
        if (auto c = e.c.lock()) live.push_back(std::move(c));
    }
    for (auto& c : live) c->close();
    live_.clear();
    per_ip_.clear();
}

void connection_registry::sweep(int64_t now_ms, int64_t idle_ms, int64_t read_timeout_ms) {
    std::vector<std::shared_ptr<connection>> expired;
    for (auto& [ptr, e] : live_) {
        auto c = e.c.lock();
        if (c && c->expired(now_ms, idle_ms, read_timeout_ms)) expired.push_back(std::move(c));
    }
    for (auto& c : expired) c->close();  // each removes itself
}

}  // namespace sluice::broker

#include "broker/fetch/fetch_session.h"

#include <algorithm>

namespace sluice::broker {

session_partition* fetch_session::find(const std::string& topic, int32_t partition) {
    for (auto& p : partitions) {
        if (p.partition == partition && p.topic == topic) return &p;
    }
    return nullptr;
}

void fetch_session::forget(const std::string& topic, int32_t partition) {
    std::erase_if(partitions, [&](const session_partition& p) { return p.partition == partition && p.topic == topic; });
}

void fetch_session::move_served_to_back() {
    std::stable_partition(partitions.begin(), partitions.end(),
                          [](const session_partition& p) { return !p.sent_records; });
}

fetch_session& fetch_session_cache::create() {
    // The least recently used session makes room, as Kafka evicts idle ones.
    if (sessions_.size() >= max_sessions_) sessions_.pop_back();
    fetch_session s;
    s.id = next_id_;
    next_id_ = next_id_ == INT32_MAX ? 1 : next_id_ + 1;
    sessions_.push_front(std::move(s));
    return sessions_.front();
}

fetch_session* fetch_session_cache::find(int32_t id) {
    auto it = std::find_if(sessions_.begin(), sessions_.end(), [id](const fetch_session& s) { return s.id == id; });
    if (it == sessions_.end()) return nullptr;
    sessions_.splice(sessions_.begin(), sessions_, it);
    return &sessions_.front();
}

void fetch_session_cache::remove(int32_t id) {
    sessions_.remove_if([id](const fetch_session& s) { return s.id == id; });
}

}  // namespace sluice::broker

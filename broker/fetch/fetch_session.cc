#include "broker/fetch/fetch_session.h"

#include <cstring>
#include <functional>

namespace sluice::broker {

size_t session_partitions::key_hash::operator()(const key& k) const {
    uint64_t id = 0;
    std::memcpy(&id, k.topic_id.value.data(), sizeof(id));
    size_t h = std::hash<std::string_view>{}(k.topic) ^ (id * 0x9e3779b97f4a7c15ULL);
    return h ^ (static_cast<size_t>(static_cast<uint32_t>(k.partition)) * 0xff51afd7ed558ccdULL);
}

session_partitions::key session_partitions::key_of(std::string_view topic, const protocol::uuid& topic_id,
                                                   int32_t partition) {
    // A known topic is its name (a v12 request and a v13 one agree on it);
    // only a partition whose topic id resolved to nothing is told apart by id.
    return {topic, topic.empty() ? topic_id : protocol::uuid{}, partition};
}

session_partition* session_partitions::find(std::string_view topic, const protocol::uuid& topic_id,
                                             int32_t partition) {
    auto it = index_.find(key_of(topic, topic_id, partition));
    return it == index_.end() ? nullptr : &*it->second;
}

session_partition& session_partitions::add(session_partition p) {
    if (session_partition* existing = find(p.topic, p.topic_id, p.partition)) return *existing;
    auto it = order_.insert(order_.end(), std::move(p));
    index_.emplace(key_of(it->topic, it->topic_id, it->partition), it);
    return *it;
}

void session_partitions::forget(std::string_view topic, const protocol::uuid& topic_id, int32_t partition) {
    auto it = index_.find(key_of(topic, topic_id, partition));
    if (it == index_.end()) return;
    auto node = it->second;
    index_.erase(it);  // before the node: the key views its name
    order_.erase(node);
}

void session_partitions::move_served_to_back() {
    // Splicing keeps every node (and the index's iterators) where it is in
    // memory; each served one is visited once.
    size_t n = order_.size();
    auto it = order_.begin();
    for (size_t i = 0; i < n; ++i) {
        auto next = std::next(it);
        if (it->sent_records) order_.splice(order_.end(), order_, it);
        it = next;
    }
}

fetch_session& fetch_session_cache::create() {
    // The least recently used session makes room, as Kafka evicts idle ones.
    if (sessions_.size() >= max_sessions_) {
        by_id_.erase(sessions_.back().id);
        sessions_.pop_back();
    }
    // Skip ids still in use: after a wrap, a long-lived session may hold one.
    while (by_id_.contains(next_id_)) next_id_ = next_id_ == INT32_MAX ? 1 : next_id_ + 1;
    sessions_.emplace_front();
    fetch_session& s = sessions_.front();
    s.id = next_id_;
    next_id_ = next_id_ == INT32_MAX ? 1 : next_id_ + 1;
    by_id_[s.id] = sessions_.begin();
    return s;
}

fetch_session* fetch_session_cache::find(int32_t id) {
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return nullptr;
    sessions_.splice(sessions_.begin(), sessions_, it->second);
    return &sessions_.front();
}

void fetch_session_cache::remove(int32_t id) {
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return;
    sessions_.erase(it->second);
    by_id_.erase(it);
}

}  // namespace sluice::broker

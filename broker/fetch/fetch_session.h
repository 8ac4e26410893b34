#pragma once
// Incremental fetch sessions (KIP-227): the broker remembers which partitions
// a client fetches, so later requests only name what changed and responses
// only carry partitions with news.
//
//   session_id 0, epoch -1  sessionless full fetch
//   session_id 0, epoch 0   full fetch that opens a session
//   session_id N, epoch 0   close N, open a new session
//   session_id N, epoch -1  close N, sessionless full fetch
//   session_id N, epoch E>0 incremental fetch on N; E must be the next epoch
#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

#include "protocol/wire.h"

namespace sluice::broker {

struct session_partition {
    std::string topic;  // empty when a v13+ request named an unknown topic id
    protocol::uuid topic_id;
    int32_t partition = 0;
    int64_t fetch_offset = 0;
    int32_t max_bytes = 0;
    int32_t current_leader_epoch = -1;  // v9+; -1 = not checked
    int32_t last_fetched_epoch = -1;    // v12+; -1 = no divergence check
    // What the client was last told, to decide whether there is news
    // (Kafka's CachedPartition: -1 after an error, so its end is news too).
    int64_t sent_high_watermark = -1;
    int64_t sent_log_start_offset = -1;
    bool sent_records = false;
};

// A session's partitions in the order responses use, with an index on
// (topic, partition): find, add and forget are O(1), so a request that names
// or forgets every partition of a large session costs O(n), not O(n^2).
// Partitions are named by topic name, or by topic id when the name is
// unknown. Addresses are stable until the partition is forgotten.
class session_partitions {
public:
    using list = std::list<session_partition>;

    session_partitions() = default;
    // The index points into the list: moving keeps both valid, copying would not.
    session_partitions(const session_partitions&) = delete;
    session_partitions& operator=(const session_partitions&) = delete;
    session_partitions(session_partitions&&) = default;
    session_partitions& operator=(session_partitions&&) = default;

    session_partition* find(std::string_view topic, const protocol::uuid& topic_id, int32_t partition);
    // Adds at the back; a partition already there is returned unchanged.
    session_partition& add(session_partition p);
    void forget(std::string_view topic, const protocol::uuid& topic_id, int32_t partition);
    // Kafka's fairness rule for incremental fetches: the partitions whose
    // last response carried records go to the back, keeping their order.
    void move_served_to_back();

    size_t size() const { return order_.size(); }
    bool empty() const { return order_.empty(); }
    list::iterator begin() { return order_.begin(); }
    list::iterator end() { return order_.end(); }

private:
    struct key {
        std::string_view topic;  // views the partition's own name in order_
        protocol::uuid topic_id;  // zero unless topic is empty
        int32_t partition;
        bool operator==(const key&) const = default;
    };
    struct key_hash {
        size_t operator()(const key& k) const;
    };
    static key key_of(std::string_view topic, const protocol::uuid& topic_id, int32_t partition);

    list order_;
    std::unordered_map<key, list::iterator, key_hash> index_;
};

struct fetch_session {
    int32_t id = 0;
    int32_t next_epoch = 1;
    // The order responses use: the order the client added them in, except
    // that move_served_to_back() sends the ones just served to the back.
    session_partitions partitions;
};

class fetch_session_cache {
public:
    explicit fetch_session_cache(size_t max_sessions = 1000) : max_sessions_(max_sessions) {}

    fetch_session& create();
    fetch_session* find(int32_t id);
    void remove(int32_t id);
    size_t size() const { return sessions_.size(); }

private:
    size_t max_sessions_;
    int32_t next_id_ = 1;
    std::list<fetch_session> sessions_;  // most recently used first
    std::unordered_map<int32_t, std::list<fetch_session>::iterator> by_id_;
};

}  // namespace sluice::broker

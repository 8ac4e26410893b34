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
#include <map>
#include <string>
#include <vector>

#include "protocol/wire.h"

namespace sluice::broker {

struct session_partition {
    std::string topic;
    protocol::uuid topic_id;
    int32_t partition = 0;
    int64_t fetch_offset = 0;
    int32_t max_bytes = 0;
    // What the client was last told, to decide whether there is news.
    int64_t sent_high_watermark = -1;
    int64_t sent_log_start_offset = -1;
    int16_t sent_error = 0;
    bool sent_records = false;
};

struct fetch_session {
    int32_t id = 0;
    int32_t next_epoch = 1;
    // The order responses use: the order the client added them in, except
    // that move_served_to_back() sends the ones just served to the back.
    std::vector<session_partition> partitions;
    session_partition* find(const std::string& topic, int32_t partition);
    void forget(const std::string& topic, int32_t partition);
    // Kafka's fairness rule for incremental fetches: the partitions whose
    // last response carried records go to the back, keeping their order.
    void move_served_to_back();
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
};

}  // namespace sluice::broker

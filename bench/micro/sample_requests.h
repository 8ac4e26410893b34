#pragma once
// Requests shared by the micro-benchmarks, shaped like what real clients send.
#include <string>

#include "protocol/generated/fetch.h"

namespace sluice::bench {

// Fetch for 100 partitions of 10 topics (a consumer of a wide topic set).
inline protocol::fetch_request wide_fetch_request() {
    protocol::fetch_request req;
    req.replica_id = -1;
    req.max_wait_ms = 500;
    req.min_bytes = 1;
    req.max_bytes = 52428800;
    req.session_id = 0;
    req.session_epoch = -1;
    for (int t = 0; t < 10; ++t) {
        protocol::fetch_request::fetch_topic topic;
        topic.topic = "topic-" + std::to_string(t);
        for (int p = 0; p < 10; ++p) {
            protocol::fetch_request::fetch_partition part;
            part.partition = p;
            part.fetch_offset = 123456;
            part.partition_max_bytes = 1 << 20;
            topic.partitions.push_back(part);
        }
        req.topics.push_back(std::move(topic));
    }
    return req;
}

}  // namespace sluice::bench

#pragma once
// Requests shared by the micro-benchmarks, shaped like what real clients send.
#include <cstddef>
#include <string>
#include <vector>

#include "protocol/generated/fetch.h"
#include "protocol/generated/produce.h"
#include "protocol/record_batch.h"

namespace sluice::bench {

// A v2 batch of `records` keyed records with `value_size`-byte values.
inline protocol::bytes sample_batch(size_t records, size_t value_size) {
    std::vector<protocol::record> rs;
    for (size_t i = 0; i < records; ++i) {
        protocol::record r;
        r.offset = static_cast<int64_t>(i);
        r.timestamp = 1'700'000'000'000 + static_cast<int64_t>(i);
        r.key = protocol::bytes{'k', static_cast<uint8_t>(i)};
        r.value = protocol::bytes(value_size, 'v');
        rs.push_back(std::move(r));
    }
    return protocol::build_batch(rs, {});
}

// Produce (acks=all) of `batch` to one partition; the records stay a view
// into `batch`, which must outlive the request.
inline protocol::produce_request single_batch_produce_request(const protocol::bytes& batch) {
    protocol::produce_request req;
    req.acks = -1;
    req.timeout_ms = 30000;
    protocol::produce_request::topic_produce_data t;
    t.name = "bench-topic";
    protocol::produce_request::partition_produce_data p;
    p.index = 0;
    p.records = protocol::records_field::of_view(batch);
    t.partition_data.push_back(std::move(p));
    req.topic_data.push_back(std::move(t));
    return req;
}

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

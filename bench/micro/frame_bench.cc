// The broker's request framing path: parsing the request header of a frame
// (broker/net/request_header.h, once per request before any handler runs)
// and building the response header (once per response).
#include <benchmark/benchmark.h>

#include <span>
#include <string>
#include <vector>

#include "broker/handlers/handler.h"
#include "broker/net/request_header.h"
#include "protocol/generated/api_versions.h"
#include "protocol/generated/fetch.h"
#include "protocol/generated/produce.h"
#include "protocol/generated/request_header.h"
#include "protocol/record_batch.h"
#include "sample_requests.h"

namespace {

using namespace sluice::protocol;
using sluice::broker::header_status;
using sluice::broker::parse_request_header;
using sluice::broker::request;
using sluice::broker::write_response_header;

// A request frame as the connection hands it to parse_request_header: the
// bytes after the 4-byte size, i.e. request header then body. Header v2 for
// flexible versions, v1 otherwise; client id as librdkafka sends it.
template <typename Message>
bytes frame_of(const Message& body, int16_t version) {
    request_header h;
    h.request_api_key = Message::api_key;
    h.request_api_version = version;
    h.correlation_id = 123456;
    h.client_id = "rdkafka";
    writer w;
    h.encode(w, version >= Message::first_flexible_version ? 2 : 1);
    body.encode(w, version);
    return std::move(w.buffer());
}

// Produce v9 carrying one 16 KiB batch (150 records of 100 B) for one partition.
bytes produce_v9_frame(bytes& batch) {
    batch = sluice::bench::sample_batch(150, 100);
    return frame_of(sluice::bench::single_batch_produce_request(batch), 9);
}

// Fetch v12 for 100 partitions of 10 topics.
bytes fetch_v12_frame() { return frame_of(sluice::bench::wide_fetch_request(), 12); }

// ApiVersions v3: the first request of every librdkafka connection.
bytes api_versions_v3_frame() {
    api_versions_request req;
    req.client_software_name = "librdkafka";
    req.client_software_version = "2.0.2";
    return frame_of(req, 3);
}

// What the connection does per frame: a fresh `request`, then the header parse.
void parse_bench(benchmark::State& state, bytes frame) {
    {
        request check;
        if (parse_request_header(std::span<uint8_t>(frame), check) != header_status::ok) {
            state.SkipWithError("frame does not parse");
            return;
        }
    }
    for (auto _ : state) {
        request req;
        header_status s = parse_request_header(std::span<uint8_t>(frame), req);
        benchmark::DoNotOptimize(s);
        benchmark::DoNotOptimize(req.body.data());
    }
    state.counters["frame_bytes"] = static_cast<double>(frame.size());
}

void BM_parse_request_header_produce_v9(benchmark::State& state) {
    bytes batch;
    parse_bench(state, produce_v9_frame(batch));
}
void BM_parse_request_header_fetch_v12(benchmark::State& state) { parse_bench(state, fetch_v12_frame()); }
void BM_parse_request_header_api_versions_v3(benchmark::State& state) {
    parse_bench(state, api_versions_v3_frame());
}

BENCHMARK(BM_parse_request_header_produce_v9);
BENCHMARK(BM_parse_request_header_fetch_v12);
BENCHMARK(BM_parse_request_header_api_versions_v3);

// Response header for a parsed request: size + correlation id (+ empty tag
// section when flexible), into a fresh buffer as the connection does.
void response_header_bench(benchmark::State& state, bytes frame) {
    request req;
    if (parse_request_header(std::span<uint8_t>(frame), req) != header_status::ok) {
        state.SkipWithError("frame does not parse");
        return;
    }
    for (auto _ : state) {
        bytes head;
        write_response_header(head, req, 16 * 1024);
        benchmark::DoNotOptimize(head.data());
    }
}

// Produce v9: flexible, response header v1 (with the tag section).
void BM_write_response_header_flexible(benchmark::State& state) {
    bytes batch;
    response_header_bench(state, produce_v9_frame(batch));
}

// Produce v7: not flexible, response header v0.
void BM_write_response_header_non_flexible(benchmark::State& state) {
    produce_request req;
    req.acks = 1;
    req.timeout_ms = 30000;
    response_header_bench(state, frame_of(req, 7));
}

BENCHMARK(BM_write_response_header_flexible);
BENCHMARK(BM_write_response_header_non_flexible);

}  // namespace

// Request decoding and response encoding with the generated codec: the
// per-request protocol cost on the produce and fetch paths.
#include <benchmark/benchmark.h>

#include "protocol/generated/fetch.h"
#include "protocol/generated/produce.h"
#include "protocol/record_batch.h"
#include "sample_requests.h"

namespace {

using namespace sluice::protocol;

// Produce v9 (flexible) carrying one 16 KiB batch: what librdkafka-style
// clients send per partition.
void BM_decode_produce_request_v9(benchmark::State& state) {
    bytes batch = sluice::bench::sample_batch(150, 100);
    produce_request req = sluice::bench::single_batch_produce_request(batch);
    writer w;
    req.encode(w, 9);
    for (auto _ : state) {
        reader r(w.buffer());
        produce_request decoded;
        decoded.decode(r, 9);
        benchmark::DoNotOptimize(decoded.topic_data.data());
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * w.buffer().size()));
}
BENCHMARK(BM_decode_produce_request_v9);

// Fetch v12 for 100 partitions of 10 topics (a consumer of a wide topic set).
void BM_decode_fetch_request_v12(benchmark::State& state) {
    fetch_request req = sluice::bench::wide_fetch_request();
    writer w;
    req.encode(w, 12);
    for (auto _ : state) {
        reader r(w.buffer());
        fetch_request decoded;
        decoded.decode(r, 12);
        benchmark::DoNotOptimize(decoded.topics.data());
    }
}
BENCHMARK(BM_decode_fetch_request_v12);

// Fetch v12 response assembly for 100 partitions, each answered with a file
// slice (the bytes themselves go out with sendfile, so only the framing is
// built in memory).
void BM_encode_fetch_response_v12_file_slices(benchmark::State& state) {
    for (auto _ : state) {
        fetch_response resp;
        for (int t = 0; t < 10; ++t) {
            fetch_response::fetchable_topic_response topic;
            topic.topic = "topic-" + std::to_string(t);
            for (int p = 0; p < 10; ++p) {
                fetch_response::partition_data part;
                part.partition_index = p;
                part.high_watermark = 1'000'000;
                part.last_stable_offset = 1'000'000;
                part.log_start_offset = 0;
                part.records.append_file(file_slice{3, 4096, 65536, nullptr});
                topic.partitions.push_back(std::move(part));
            }
            resp.responses.push_back(std::move(topic));
        }
        writer w;
        resp.encode(w, 12);
        benchmark::DoNotOptimize(w.buffer().data());
    }
}
BENCHMARK(BM_encode_fetch_response_v12_file_slices);

// Offset assignment as the log does it: rewrite base offset and leader epoch in place.
void BM_assign_offsets_in_place(benchmark::State& state) {
    bytes batch = sluice::bench::sample_batch(150, 100);
    int64_t next = 0;
    for (auto _ : state) {
        set_base_offset(batch.data(), next);
        set_partition_leader_epoch(batch.data(), 7);
        next += 150;
        benchmark::DoNotOptimize(batch.data());
    }
}
BENCHMARK(BM_assign_offsets_in_place);

}  // namespace

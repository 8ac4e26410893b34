// Record batch validation and decompression: the per-batch cost of produce.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "protocol/compression.h"
#include "protocol/record_batch.h"

namespace {

using namespace sluice::protocol;

// About `target` bytes of 100-byte JSON-ish values: repetitive field names
// and random digits, so the codecs see something like real payloads.
std::vector<record> records_of(size_t target) {
    std::mt19937 rng(7);
    std::vector<record> rs;
    for (size_t total = 0; total < target; total += 100 + 8) {
        record r;
        r.offset = static_cast<int64_t>(rs.size());
        r.timestamp = 1700000000000 + r.offset;
        std::string v = "{\"user\":" + std::to_string(rng() % 100000) + ",\"event\":\"click\",\"page\":\"/item/" +
                        std::to_string(rng()) + "\",\"ms\":" + std::to_string(rng() % 5000) + "}";
        v.resize(100, ' ');
        r.value = bytes(v.begin(), v.end());
        rs.push_back(std::move(r));
    }
    return rs;
}

void validate(benchmark::State& state, compression codec) {
    bytes batch = build_batch(records_of(16 * 1024), {.codec = codec});
    if (validate_batch(batch) != error_code::none) {
        state.SkipWithError("batch does not validate");
        return;
    }
    for (auto _ : state) benchmark::DoNotOptimize(validate_batch(batch));
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * batch.size()));
    state.counters["batch_bytes"] = static_cast<double>(batch.size());
}

void BM_validate_batch_none_16k(benchmark::State& state) { validate(state, compression::none); }
void BM_validate_batch_lz4_16k(benchmark::State& state) { validate(state, compression::lz4); }
void BM_validate_batch_zstd_16k(benchmark::State& state) { validate(state, compression::zstd); }

void BM_set_log_append_time_16k(benchmark::State& state) {
    bytes batch = build_batch(records_of(16 * 1024), {});
    int64_t now = 0;
    for (auto _ : state) {
        set_log_append_time(batch.data(), batch.size(), ++now);
        benchmark::ClobberMemory();
    }
}

void decompress_bench(benchmark::State& state, compression codec) {
    bytes plain = build_batch(records_of(static_cast<size_t>(state.range(0))), {});
    bytes packed, out;
    compress(codec, plain, packed);
    for (auto _ : state) {
        benchmark::DoNotOptimize(decompress(codec, packed, out, max_decompressed_batch_size));
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * plain.size()));
    state.counters["ratio"] = static_cast<double>(plain.size()) / static_cast<double>(packed.size());
}

void BM_decompress_lz4(benchmark::State& state) { decompress_bench(state, compression::lz4); }
void BM_decompress_zstd(benchmark::State& state) { decompress_bench(state, compression::zstd); }
void BM_decompress_snappy(benchmark::State& state) { decompress_bench(state, compression::snappy); }
void BM_decompress_gzip(benchmark::State& state) { decompress_bench(state, compression::gzip); }

BENCHMARK(BM_validate_batch_none_16k);
BENCHMARK(BM_validate_batch_lz4_16k);
BENCHMARK(BM_validate_batch_zstd_16k);
BENCHMARK(BM_set_log_append_time_16k);
BENCHMARK(BM_decompress_lz4)->Arg(16 * 1024)->Arg(1024 * 1024);
BENCHMARK(BM_decompress_zstd)->Arg(16 * 1024)->Arg(1024 * 1024);
BENCHMARK(BM_decompress_snappy)->Arg(16 * 1024);
BENCHMARK(BM_decompress_gzip)->Arg(16 * 1024);

}  // namespace

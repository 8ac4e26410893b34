// CRC-32C throughput: the produce path checksums every batch once.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "protocol/crc32c.h"

namespace {

using namespace sluice::protocol;

std::vector<uint8_t> random_data(size_t n) {
    std::mt19937 rng(1);
    std::vector<uint8_t> v(n);
    for (auto& b : v) b = static_cast<uint8_t>(rng());
    return v;
}

template <uint32_t (*fn)(const void*, size_t, uint32_t)>
void run(benchmark::State& state) {
    auto data = random_data(static_cast<size_t>(state.range(0)));
    for (auto _ : state) benchmark::DoNotOptimize(fn(data.data(), data.size(), 0));
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

void BM_crc32c_sse42(benchmark::State& state) {
    if (!detail::crc32c_hw_available()) {
        state.SkipWithError("no SSE4.2");
        return;
    }
    run<detail::crc32c_sse42>(state);
}

void BM_crc32c_portable(benchmark::State& state) { run<detail::crc32c_portable>(state); }

BENCHMARK(BM_crc32c_sse42)->Arg(1024)->Arg(64 * 1024);
BENCHMARK(BM_crc32c_portable)->Arg(1024)->Arg(64 * 1024);

}  // namespace

// The per-key index's two costs on a partition's I/O thread
// (log/key_index.h): indexing appended batches (records of 100 B, keys
// cycling over `keys`), and sealing a segment's entries at roll (the stall a
// roll adds to producing). Entries: 1 M, over 10,000 keys (100 records each)
// or all distinct.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "log/key_index.h"
#include "protocol/record_batch.h"

namespace {

using sluice::log::key_index;
namespace protocol = sluice::protocol;

std::vector<protocol::bytes> batches(int64_t records, int64_t keys) {
    std::vector<protocol::bytes> out;
    for (int64_t base = 0; base < records; base += 100) {
        std::vector<protocol::record> recs(100);
        for (int i = 0; i < 100; ++i) {
            const std::string key = "key-" + std::to_string((base + i) % keys);
            recs[static_cast<size_t>(i)].offset = i;
            recs[static_cast<size_t>(i)].key = protocol::bytes(key.begin(), key.end());
            recs[static_cast<size_t>(i)].value = protocol::bytes(100, 'v');
        }
        protocol::batch_builder_options options;
        options.base_offset = base;
        out.push_back(protocol::build_batch(recs, options));
    }
    return out;
}

std::filesystem::path bench_file() {
    return std::filesystem::temp_directory_path() / ("sluice-key-index-bench-" + std::to_string(::getpid()));
}

void fill(key_index& index, const std::vector<protocol::bytes>& all) {
    uint64_t position = 0;
    for (const auto& b : all) {
        index.add_batch(b, position);
        position += b.size();
    }
}

void BM_key_index_add(benchmark::State& state) {
    const auto all = batches(1'000'000, state.range(0));
    for (auto _ : state) {
        key_index index(bench_file(), 0);
        fill(index, all);
        benchmark::DoNotOptimize(index.entry_count());
    }
    state.SetItemsProcessed(state.iterations() * 1'000'000);
}
BENCHMARK(BM_key_index_add)->Arg(10'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

void BM_key_index_seal(benchmark::State& state) {
    const auto all = batches(1'000'000, state.range(0));
    for (auto _ : state) {
        state.PauseTiming();
        key_index index(bench_file(), 0);
        fill(index, all);
        state.ResumeTiming();
        benchmark::DoNotOptimize(index.seal(1 << 30, 1'000'000));
    }
    std::filesystem::remove(bench_file());
    state.SetItemsProcessed(state.iterations() * 1'000'000);
}
BENCHMARK(BM_key_index_seal)->Arg(10'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

}  // namespace

// Log cleaner throughput: one cleaner::run (map + rewrite) over a log of
// 200k records built once per benchmark in a temp dir. Args: value bytes,
// percent of unique keys. Counters: records/s, bytes/s (of input segments),
// peak key map bytes.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "compaction/cleaner.h"
#include "compaction/selection.h"
#include "log/partition_log.h"
#include "protocol/record_batch.h"

namespace {

using namespace sluice;

constexpr int total_records = 200000;
constexpr int records_per_batch = 100;

void bm_compaction_clean(benchmark::State& state) {
    const size_t value_size = static_cast<size_t>(state.range(0));
    const int unique_percent = static_cast<int>(state.range(1));
    const int unique_keys = std::max(1, total_records * unique_percent / 100);

    std::string pattern = "/tmp/sluice-compaction-bench-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
        state.SkipWithError("mkdtemp");
        return;
    }
    std::filesystem::path dir = pattern;
    log::log_config config;
    config.compact = true;
    config.segment_bytes = 64 << 20;
    config.min_cleanable_dirty_ratio = 0;
    protocol::error_code error;
    log::partition_log::open_options options;
    options.now_ms = 1000;
    auto plog = log::partition_log::open(dir / "bench-0", {"bench", 0}, config, options, error);
    std::vector<protocol::record> records(records_per_batch);
    uint64_t input_bytes = 0;
    for (int b = 0; b < total_records / records_per_batch; ++b) {
        for (int i = 0; i < records_per_batch; ++i) {
            int n = b * records_per_batch + i;
            auto& r = records[static_cast<size_t>(i)];
            r.offset = i;
            r.timestamp = 1000 + n;
            std::string key = "key-" + std::to_string((n * 7919) % unique_keys);
            r.key = protocol::bytes(key.begin(), key.end());
            r.value = protocol::bytes(value_size, static_cast<uint8_t>(n));
        }
        auto batch = protocol::build_batch(records, {});
        input_bytes += batch.size();
        plog->append(batch, 0, 1000);
    }
    plog->roll(2000);
    plog->set_high_watermark(plog->log_end_offset());

    compaction::cleaner_config cc;
    cc.dedupe_buffer_bytes = 64 << 20;
    compaction::cleaner worker(cc, nullptr);
    size_t map_bytes = 0;
    for (auto _ : state) {
        auto task = compaction::plan_cleaning(*plog, 0, 5000);
        if (!task) {
            state.SkipWithError("nothing to clean");
            break;
        }
        auto result = worker.run(*task);
        if (result.error != compaction::clean_error::none) {
            state.SkipWithError("clean failed");
            break;
        }
        map_bytes = result.stats.map_bytes;
        state.PauseTiming();
        for (const auto& g : result.groups) compaction::discard_staged(result.dir, g);  // keep the dirty log
        state.ResumeTiming();
    }
    state.counters["records/s"] =
        benchmark::Counter(static_cast<double>(total_records), benchmark::Counter::kIsIterationInvariantRate);
    state.counters["MB/s"] = benchmark::Counter(static_cast<double>(input_bytes) / 1e6,
                                                benchmark::Counter::kIsIterationInvariantRate);
    state.counters["map_bytes"] = static_cast<double>(map_bytes);
    plog.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
}

BENCHMARK(bm_compaction_clean)
    ->ArgNames({"value_bytes", "unique_pct"})
    ->Args({100, 1})
    ->Args({100, 50})
    ->Args({1024, 1})
    ->Args({1024, 50})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

// Micro-benchmarks of the log module: appending 16 KiB batches to a
// partition log in a temp dir (page cache speed: no fsync), and the two
// index lookups on a full-size in-memory index.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>

#include "log/index_block_cache.h"
#include "log/offset_index.h"
#include "log/partition_log.h"
#include "log/time_index.h"
#include "protocol/record_batch.h"

namespace {

using namespace sluice;

class bench_dir {
public:
    bench_dir() {
        std::string pattern = "/tmp/sluice-log-bench-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) std::abort();
        path_ = pattern;
    }
    ~bench_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// One batch of 16 records of ~1 KiB: about 16 KiB.
protocol::bytes batch_16k() {
    std::vector<protocol::record> records;
    for (int i = 0; i < 16; ++i) {
        protocol::record r;
        r.offset = i;
        r.timestamp = 1'700'000'000'000 + i;
        r.value = protocol::bytes(1000, static_cast<uint8_t>(i));
        records.push_back(std::move(r));
    }
    return protocol::build_batch(records, {});
}

// Keeps the disk footprint bounded: drops old segments as retention would.
void keep_bounded(log::partition_log& plog, int64_t now) {
    if (plog.segment_count() <= 4) return;
    plog.set_high_watermark(plog.log_end_offset());
    plog.delete_records_before(plog.segments()[2]->base_offset());
    for (const auto& seg : plog.apply_retention(now)) seg->remove_files();
}

void log_append_16k(benchmark::State& state) {
    bench_dir dir;
    log::log_config config;
    config.segment_bytes = 64 << 20;  // rolls every few thousand batches, like a real log
    protocol::error_code error;
    auto plog = log::partition_log::open(dir.path() / "bench-0", {"bench", 0}, config, true, error);
    const protocol::bytes batch = batch_16k();
    protocol::bytes buffer = batch;
    int64_t now = 1'700'000'000'000;
    for (auto _ : state) {
        auto result = plog->append(buffer, 0, now);
        if (result.error != protocol::error_code::none) state.SkipWithError("append failed");
        keep_bounded(*plog, now);
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * batch.size()));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(log_append_16k);

// The same with an idempotent producer's batches: each append is checked
// against the producer state (log/producer_state.h) and recorded in it.
void log_append_16k_idempotent(benchmark::State& state) {
    bench_dir dir;
    log::log_config config;
    config.segment_bytes = 64 << 20;
    protocol::error_code error;
    auto plog = log::partition_log::open(dir.path() / "bench-0", {"bench", 0}, config, true, error);
    const protocol::bytes batch = batch_16k();
    protocol::bytes buffer = batch;
    // Producer id, epoch and base sequence (protocol/record_batch.h offsets
    // 43, 51, 53); the log does not check the CRC, the produce path does.
    auto put = [&](size_t at, uint64_t v, int bytes) {
        for (int i = 0; i < bytes; ++i) buffer[at + i] = static_cast<uint8_t>(v >> (8 * (bytes - 1 - i)));
    };
    put(43, 4242, 8);
    put(51, 0, 2);
    int32_t sequence = 0;
    int64_t now = 1'700'000'000'000;
    for (auto _ : state) {
        put(53, static_cast<uint32_t>(sequence), 4);
        sequence += 16;
        auto result = plog->append(buffer, 0, now);
        if (result.error != protocol::error_code::none || result.duplicate) state.SkipWithError("append failed");
        keep_bounded(*plog, now);
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * batch.size()));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(log_append_16k_idempotent);

void log_read_1mib_random_offset(benchmark::State& state) {
    bench_dir dir;
    protocol::error_code error;
    auto plog = log::partition_log::open(dir.path() / "bench-0", {"bench", 0}, log::log_config{}, true, error);
    protocol::bytes buffer = batch_16k();
    for (int i = 0; i < 2000; ++i) plog->append(buffer, 0, 0);
    std::mt19937_64 rng(1);
    for (auto _ : state) {
        int64_t offset = static_cast<int64_t>(rng() % static_cast<uint64_t>(plog->log_end_offset()));
        benchmark::DoNotOptimize(plog->read(offset, 1 << 20, INT64_MAX));
    }
}
BENCHMARK(log_read_1mib_random_offset);

// A full default-size index: 10 MiB / 8 bytes.
void offset_index_lookup(benchmark::State& state) {
    bench_dir dir;
    log::offset_index index;
    index.open(dir.path() / "a.index", 0, 10 << 20);
    const int64_t entries = (10 << 20) / 8;
    for (int64_t i = 1; i <= entries; ++i) index.append(i * 16, static_cast<uint32_t>(i * 1024));
    std::mt19937_64 rng(2);
    for (auto _ : state) {
        benchmark::DoNotOptimize(index.lookup(static_cast<int64_t>(rng() % static_cast<uint64_t>(entries * 16))));
    }
}
BENCHMARK(offset_index_lookup);

void time_index_lookup(benchmark::State& state) {
    bench_dir dir;
    log::time_index index;
    index.open(dir.path() / "a.timeindex", 0, 10 << 20);
    const int64_t entries = (10 << 20) / 12;
    for (int64_t i = 1; i <= entries; ++i) index.maybe_append(1'700'000'000'000 + i * 10, i * 16);
    std::mt19937_64 rng(3);
    for (auto _ : state) {
        int64_t ts = 1'700'000'000'000 + static_cast<int64_t>(rng() % static_cast<uint64_t>(entries * 10));
        benchmark::DoNotOptimize(index.last_entry_before(ts));
    }
}
BENCHMARK(time_index_lookup);

// The same lookups with the index block cache held to its minimum (4
// blocks), so nearly every lookup's binary search loads its blocks again
// with pread (from the page cache): the cost of a cache miss, and with it
// of a broker whose log.index.cache.bytes is far below its hot indexes.
void offset_index_lookup_cache_miss(benchmark::State& state) {
    bench_dir dir;
    log::offset_index index;
    index.open(dir.path() / "a.index", 0, 10 << 20);
    const int64_t entries = (10 << 20) / 8;
    for (int64_t i = 1; i <= entries; ++i) index.append(i * 16, static_cast<uint32_t>(i * 1024));
    const size_t before = log::index_block_cache::capacity();
    log::index_block_cache::set_capacity(0);
    const uint64_t misses = log::index_block_cache::local().misses();
    std::mt19937_64 rng(2);
    for (auto _ : state) {
        benchmark::DoNotOptimize(index.lookup(static_cast<int64_t>(rng() % static_cast<uint64_t>(entries * 16))));
    }
    state.counters["misses_per_lookup"] = benchmark::Counter(
        static_cast<double>(log::index_block_cache::local().misses() - misses) / static_cast<double>(state.iterations()));
    log::index_block_cache::set_capacity(before);
}
BENCHMARK(offset_index_lookup_cache_miss);

}  // namespace

// Fetch and produce hot paths with 1,000 partitions, through the handlers a
// client reaches (a broker in a temp dir, no sockets):
//
//   fetch_session_update     incremental fetch naming all 1,000 partitions
//   fetch_session_forget_add incremental fetch forgetting all, then one adding them back
//   fetch_session_idle       incremental fetch naming none (no news): the floor
//   topic_id_lookup          topic_registry::find(uuid), 1,000 topics (per lookup)
//   long_poll_wake_no_news   a parked fetch of 1,000 partitions woken without data
//   long_poll_answer         park a fetch of 1,000 partitions, append to one, answer
//   compacted_key_check      what produce runs on a batch of 1,000 keyed records
//                            for a compacted topic (validation and key check)
#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "broker/broker.h"
#include "broker/handlers/handlers.h"
#include "replication/metadata_store.h"
#include "broker/topics/topic_registry.h"
#include "log/log_manager.h"
#include "log/partition_log.h"
#include "protocol/generated/fetch.h"
#include "protocol/record_batch.h"
#include "protocol/record_keys.h"

namespace {

using namespace sluice;
using broker::broker_config;

constexpr int32_t partition_count = 1000;
constexpr int16_t fetch_version = 12;
const std::string topic_name = "bench";

// One iteration's work, out of line so callgrind can count it alone:
//   valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*measured*'
//       sluice_micro_bench --benchmark_filter=<case> --benchmark_min_time=0.01
// then the Ir total over the calls of iteration_mark (callgrind_annotate
// --tree=caller) is the cost of one iteration.
[[gnu::noinline]] void iteration_mark() { asm volatile(""); }

template <typename F>
[[gnu::noinline]] void measured(F&& f) {
    iteration_mark();
    f();
}

std::filesystem::path make_temp_dir(const char* prefix) {
    std::string pattern = std::string("/tmp/") + prefix + "-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    return pattern;
}

// A broker over a temp dir with one topic of 1,000 empty partitions.
struct bench_broker {
    std::filesystem::path dir = make_temp_dir("sluice-fetch-bench");
    std::unique_ptr<broker::broker> b;

    bench_broker() {
        spdlog::set_level(spdlog::level::warn);  // startup and topic creation lines
        broker_config cfg;
        cfg.listeners = {{"PLAINTEXT", "127.0.0.1", 0, "PLAINTEXT"}};
        cfg.advertised_listeners = cfg.listeners;
        cfg.log_dirs = {dir.string()};
        b = std::make_unique<broker::broker>(cfg);
        // The local store answers before create() returns.
        bool created = false;
        b->topics().create(topic_name, partition_count, 1, {}, false,
                           [&created](broker::op_result r) { created = r.ok(); });
        if (!created) std::abort();
    }
    ~bench_broker() {
        b.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }

    broker::handler_result fetch(const protocol::fetch_request& body) {
        protocol::writer w;
        body.encode(w, fetch_version);
        frame = std::move(w.buffer());
        broker::request req;
        req.api_key = protocol::fetch_request::api_key;
        req.api_version = fetch_version;
        req.body = std::span<uint8_t>(frame.data(), frame.size());
        return broker::handle_fetch(*b, req);
    }

    protocol::bytes frame;
};

protocol::fetch_request fetch_of(int32_t session_id, int32_t epoch, const std::vector<int64_t>& offsets) {
    protocol::fetch_request body;
    body.max_wait_ms = 0;
    body.min_bytes = 0;
    body.max_bytes = 50 << 20;
    body.session_id = session_id;
    body.session_epoch = epoch;
    if (!offsets.empty()) {
        auto& t = body.topics.emplace_back();
        t.topic = topic_name;
        for (int32_t p = 0; p < static_cast<int32_t>(offsets.size()); ++p) {
            auto& fp = t.partitions.emplace_back();
            fp.partition = p;
            fp.fetch_offset = offsets[static_cast<size_t>(p)];
            fp.partition_max_bytes = 1 << 20;
        }
    }
    return body;
}

protocol::fetch_request forget_all(int32_t session_id, int32_t epoch) {
    protocol::fetch_request body = fetch_of(session_id, epoch, {});
    auto& f = body.forgotten_topics_data.emplace_back();
    f.topic = topic_name;
    for (int32_t p = 0; p < partition_count; ++p) f.partitions.push_back(p);
    return body;
}

// Opens a session over every partition; returns its id.
int32_t open_session(bench_broker& bb) {
    auto result = bb.fetch(fetch_of(0, 0, std::vector<int64_t>(partition_count, 0)));
    protocol::fetch_response response;
    protocol::reader r(result.body.buffer());
    response.decode(r, fetch_version);
    if (!r.ok() || response.session_id == 0) std::abort();
    return response.session_id;
}

void bm_fetch_session_update(benchmark::State& state) {
    bench_broker bb;
    int32_t session = open_session(bb);
    int32_t epoch = 1;
    std::vector<int64_t> offsets(partition_count, 0);
    for (auto _ : state) {
        measured([&] {
            auto result = bb.fetch(fetch_of(session, epoch++, offsets));
            benchmark::DoNotOptimize(result.body.size());
        });
    }
    state.SetItemsProcessed(state.iterations() * partition_count);
}
BENCHMARK(bm_fetch_session_update)->Unit(benchmark::kMicrosecond);

void bm_fetch_session_forget_add(benchmark::State& state) {
    bench_broker bb;
    int32_t session = open_session(bb);
    int32_t epoch = 1;
    std::vector<int64_t> offsets(partition_count, 0);
    for (auto _ : state) {
        measured([&] {
            auto forgot = bb.fetch(forget_all(session, epoch++));
            auto added = bb.fetch(fetch_of(session, epoch++, offsets));
            benchmark::DoNotOptimize(forgot.body.size() + added.body.size());
        });
    }
    state.SetItemsProcessed(state.iterations() * partition_count);
}
BENCHMARK(bm_fetch_session_forget_add)->Unit(benchmark::kMicrosecond);

void bm_fetch_session_idle(benchmark::State& state) {
    bench_broker bb;
    int32_t session = open_session(bb);
    int32_t epoch = 1;
    for (auto _ : state) {
        measured([&] {
            auto result = bb.fetch(fetch_of(session, epoch++, {}));
            benchmark::DoNotOptimize(result.body.size());
        });
    }
    state.SetItemsProcessed(state.iterations() * partition_count);
}
BENCHMARK(bm_fetch_session_idle)->Unit(benchmark::kMicrosecond);

// Topics without fsyncs per create: the lookup is what is measured.
class memory_store : public replication::metadata_store {
public:
    std::string cluster_id() const override { return "bench"; }
    std::vector<broker::topic_metadata> list_topics() const override {
        std::vector<broker::topic_metadata> out;
        for (const auto& [name, t] : topics_) out.push_back(t);
        return out;
    }
    std::optional<broker::topic_metadata> get_topic(std::string_view name) const override {
        auto it = topics_.find(std::string(name));
        if (it == topics_.end()) return std::nullopt;
        return it->second;
    }
    std::optional<broker::topic_metadata> get_topic_by_id(const protocol::uuid& id) const override {
        for (const auto& [name, t] : topics_) {
            if (t.topic_id == id) return t;
        }
        return std::nullopt;
    }
    std::vector<replication::broker_node> live_brokers() const override { return {{}}; }
    std::optional<protocol::node_id> controller_id() const override { return protocol::node_id(0); }
    std::vector<replication::partition_registration> partition_states(std::string_view) const override { return {}; }
    std::optional<replication::partition_registration> partition_state(std::string_view, int32_t) const override {
        return std::nullopt;
    }
    using metadata_store::create_topic;
    void create_topic(broker::topic_metadata topic, replication::replica_assignments, executor,
                      created_fn done) override {
        topics_[topic.name] = topic;
        done({}, std::move(topic));
    }
    void delete_topic(std::string name, executor, done_fn done) override {
        topics_.erase(name);
        done({});
    }
    using metadata_store::set_partition_count;
    void set_partition_count(std::string name, int32_t count, replication::replica_assignments, executor,
                             done_fn done) override {
        topics_[name].partition_count = count;
        done({});
    }
    void elect_leader(std::string, int32_t, replication::election_type, executor, done_fn done) override {
        done({protocol::error_code::election_not_needed, "not kept"});
    }
    void alter_reassignment(std::string, int32_t, std::optional<std::vector<int32_t>>, executor,
                            done_fn done) override {
        done({protocol::error_code::invalid_replica_assignment, "not kept"});
    }
    void set_topic_configs(std::string name, replication::topic_configs configs,
                           std::optional<replication::topic_configs>, executor, done_fn done) override {
        topics_[name].configs = std::move(configs);
        done({});
    }
    void alter_isr(std::string, int32_t, protocol::node_id, protocol::leader_epoch, int32_t, std::vector<int32_t>,
                   executor, partition_fn done) override {
        done({protocol::error_code::invalid_request, "not kept"}, {});
    }
    void allocate_producer_ids(executor, producer_ids_fn done) override {
        done({protocol::error_code::unknown_server_error, "not kept"}, {});
    }
    replication::record_map records(std::string_view) const override { return {}; }
    void update_records(std::string, replication::record_changes, executor, done_fn done) override {
        done({protocol::error_code::invalid_request, "not kept"});
    }
    subscription watch_records(executor, std::function<void(const std::string&)>) override {
        return std::make_shared<int>(0);
    }
    subscription watch(executor, watch_fn) override { return std::make_shared<int>(0); }
    subscription watch_cluster(executor, std::function<void()>) override { return std::make_shared<int>(0); }
    void stop(std::function<void()> done) override { done(); }

private:
    std::map<std::string, broker::topic_metadata> topics_;
};

void bm_topic_id_lookup(benchmark::State& state) {
    std::filesystem::path dir = make_temp_dir("sluice-topic-id-bench");
    {
        broker_config cfg;
        memory_store store;
        log::log_manager logs({dir});
        boost::asio::io_context io;
        broker::topic_registry topics(cfg, store, logs, io.get_executor());
        std::vector<protocol::uuid> ids;
        for (int i = 0; i < partition_count; ++i) {
            std::string name = "topic-" + std::to_string(i);
            topics.create(name, 1, 1, {}, false, [](broker::op_result r) {
                if (!r.ok()) std::abort();
            });
            ids.push_back(topics.find(name)->meta.topic_id);
        }
        for (auto _ : state) {
            measured([&] {
                for (const auto& id : ids) benchmark::DoNotOptimize(topics.find(id));
            });
        }
        state.SetItemsProcessed(state.iterations() * partition_count);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
}
BENCHMARK(bm_topic_id_lookup)->Unit(benchmark::kMicrosecond);

// A sessionless long poll over every partition at the log end.
protocol::fetch_request long_poll(const std::vector<int64_t>& offsets) {
    protocol::fetch_request body = fetch_of(0, -1, offsets);
    body.max_wait_ms = 600'000;
    body.min_bytes = 1;
    return body;
}

void bm_long_poll_wake_no_news(benchmark::State& state) {
    bench_broker bb;
    auto result = bb.fetch(long_poll(std::vector<int64_t>(partition_count, 0)));
    if (!result.deferred) std::abort();
    int answers = 0;
    result.deferred([&answers](protocol::writer) { ++answers; });
    int32_t next = 0;
    for (auto _ : state) {
        measured([&] { bb.b->topics().find(topic_name, next)->notify(); });
        next = (next + 1) % partition_count;
    }
    if (answers != 0) state.SkipWithError("answered without data");
    state.SetItemsProcessed(state.iterations() * partition_count);
}
BENCHMARK(bm_long_poll_wake_no_news)->Unit(benchmark::kMicrosecond);

void bm_long_poll_answer(benchmark::State& state) {
    bench_broker bb;
    std::vector<protocol::record> records(1);
    records[0].key = protocol::bytes{'k'};
    records[0].value = protocol::bytes(100, 'v');
    const protocol::bytes batch = protocol::build_batch(records, {});
    std::vector<int64_t> offsets(partition_count, 0);
    int answers = 0;
    int32_t next = 0;
    for (auto _ : state) {
        broker::partition_state* p = bb.b->topics().find(topic_name, next);
        measured([&] {
            auto result = bb.fetch(long_poll(offsets));
            result.deferred([&answers](protocol::writer) { ++answers; });
            protocol::bytes copy = batch;
            p->log->append(copy, 0, 1000);
            p->log->set_high_watermark(p->log->log_end_offset());
            p->notify();
            bb.b->io().poll();  // the cancelled deadline's handler
        });
        state.PauseTiming();
        offsets[static_cast<size_t>(next)] = p->log->high_watermark();
        next = (next + 1) % partition_count;
        state.ResumeTiming();
    }
    if (answers != static_cast<int>(state.iterations())) state.SkipWithError("a long poll was not answered");
    state.SetItemsProcessed(state.iterations() * partition_count);
}
BENCHMARK(bm_long_poll_answer)->Unit(benchmark::kMicrosecond);

// The produce path's checks of one batch bound for a compacted topic.
protocol::error_code compacted_check(protocol::bytes_view batch, std::vector<int32_t>& keyless) {
    protocol::record_facts facts;
    return protocol::validate_batch_keys(batch, keyless, facts);
}

void bm_compacted_key_check(benchmark::State& state) {
    std::vector<protocol::record> records(1000);
    for (size_t i = 0; i < records.size(); ++i) {
        records[i].offset = static_cast<int64_t>(i);
        records[i].timestamp = 1000;
        std::string key = "key-" + std::to_string(i);
        records[i].key = protocol::bytes(key.begin(), key.end());
        records[i].value = protocol::bytes(100, static_cast<uint8_t>(i));
    }
    protocol::batch_builder_options options;
    options.codec = static_cast<protocol::compression>(state.range(0));
    const protocol::bytes batch = protocol::build_batch(records, options);
    std::vector<int32_t> keyless;
    for (auto _ : state) {
        keyless.clear();
        protocol::error_code e = protocol::error_code::none;
        measured([&] { e = compacted_check(batch, keyless); });
        if (e != protocol::error_code::none || !keyless.empty()) {
            state.SkipWithError("batch refused");
            break;
        }
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(records.size()));
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(batch.size()));
}
BENCHMARK(bm_compacted_key_check)
    ->Arg(static_cast<int>(protocol::compression::none))
    ->Arg(static_cast<int>(protocol::compression::lz4))
    ->Arg(static_cast<int>(protocol::compression::zstd))
    ->Unit(benchmark::kMicrosecond);

}  // namespace

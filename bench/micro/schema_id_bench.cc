// Broker-side schema-id validation: what checking every record's schema id
// adds to a produced batch's validation (handlers/produce_schema_ids.h).
#include <benchmark/benchmark.h>

#include <boost/json/serialize.hpp>
#include <string>
#include <vector>

#include "broker/handlers/produce_schema_ids.h"
#include "broker/schema_registry/api.h"
#include "protocol/record_batch.h"

namespace {

using namespace sluice;

// A registry with 100 subjects of 5 versions each; the topic's subject is the last.
broker::schema_registry::registry_state registry(int32_t& id) {
    broker::schema_registry::registry_state state;
    for (int s = 0; s < 100; ++s) {
        for (int v = 0; v < 5; ++v) {
            std::string schema =
                R"({"type":"object","properties":{"f)" + std::to_string(v) + R"(":{"type":"string"}}})";
            std::string body = boost::json::serialize(boost::json::object{{"schema", schema}, {"schemaType", "JSON"}});
            const std::string subject = s == 99 ? "t-value" : "s" + std::to_string(s) + "-value";
            auto p = broker::schema_registry::route("POST", "/subjects/" + subject + "/versions", body).run(state);
            for (const auto& r : p.records)
                state.apply(r.key, r.value);
        }
    }
    id = state.max_id();
    return state;
}

protocol::bytes batch_of(int32_t id, protocol::compression codec) {
    std::vector<protocol::record> rs;
    for (size_t total = 0; total < 16 * 1024; total += 108) {
        protocol::record r;
        r.offset = static_cast<int64_t>(rs.size());
        std::string v(1, '\0');
        for (int shift = 24; shift >= 0; shift -= 8)
            v.push_back(static_cast<char>((id >> shift) & 0xff));
        v += R"({"f4":"click on /item/)" + std::to_string(r.offset) + "\"}";
        v.resize(100, ' ');
        r.value = protocol::bytes(v.begin(), v.end());
        rs.push_back(std::move(r));
    }
    return protocol::build_batch(rs, {.codec = codec});
}

void run(benchmark::State& state, protocol::compression codec, bool check) {
    int32_t id = 0;
    const auto registry_state = registry(id);
    const protocol::bytes batch = batch_of(id, codec);
    broker::topic_settings settings{};
    settings.value_schema_validation = true;
    for (auto _ : state) {
        benchmark::DoNotOptimize(protocol::validate_batch(batch));
        if (check) {
            bool stale = false;
            auto r = broker::check_schema_ids(registry_state, batch, settings, "t", stale);
            if (r.code != protocol::error_code::none) state.SkipWithError("refused");
            benchmark::DoNotOptimize(r);
        }
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * batch.size()));
}

void BM_validate_none_16k(benchmark::State& s) { run(s, protocol::compression::none, false); }
void BM_validate_and_schema_ids_none_16k(benchmark::State& s) { run(s, protocol::compression::none, true); }
void BM_validate_lz4_16k(benchmark::State& s) { run(s, protocol::compression::lz4, false); }
void BM_validate_and_schema_ids_lz4_16k(benchmark::State& s) { run(s, protocol::compression::lz4, true); }

}  // namespace

BENCHMARK(BM_validate_none_16k);
BENCHMARK(BM_validate_and_schema_ids_none_16k);
BENCHMARK(BM_validate_lz4_16k);
BENCHMARK(BM_validate_and_schema_ids_lz4_16k);

// `sluice perf replay`: a fixed, deterministic request sequence for counting
// a broker's instructions (bench/replay/callgrind_replay.py runs it against
// sluiced and librdkafka's mock cluster under callgrind). Requests go one at
// a time, so the broker's work per request does not depend on timing:
// REQUESTS Produce v3 requests (acks=1), each with one batch of RECORDS
// records of SIZE bytes per partition, then Fetch v4 requests of 1 MiB until
// every record has come back.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "protocol/error_code.h"
#include "protocol/generated/fetch.h"
#include "protocol/generated/metadata.h"
#include "protocol/generated/produce.h"
#include "protocol/record_batch.h"
#include "tools/cli/broker_error.h"
#include "tools/cli/cli_error.h"
#include "tools/cli/command.h"
#include "tools/cli/kafka_client.h"

namespace sluice::tools {
namespace {

constexpr int32_t fetch_bytes = 1 << 20;

struct replay_options {
    std::string topic;
    int requests = 300;
    int records = 100;
    int size = 100;
    int partitions = 1;
    protocol::compression codec = protocol::compression::none;
    int keys = 0;  // 0: records without keys; else key-<n mod keys>, n counting every record
    bool setup_only = false;
};

// Waits until the topic exists (auto-created by Metadata v4, or made up
// front: the mock cluster speaks only v0-v2) with
// its partitions led; the replay starts from a settled broker.
void await_topic(kafka_client& client, const replay_options& o, std::chrono::milliseconds timeout) {
    const int16_t version = client.pick_version(protocol::metadata_request::api_key, 1, 4);
    protocol::metadata_request request;
    request.topics.emplace();
    request.topics->emplace_back().name = o.topic;
    request.allow_auto_topic_creation = true;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        auto response = client.call<protocol::metadata_response>(request, version);
        for (const auto& t : response.topics) {
            if (t.name != o.topic || t.error_code != 0) continue;
            int led = 0;
            for (const auto& p : t.partitions) led += p.error_code == 0 && p.leader_id >= 0 && p.partition_index < o.partitions;
            if (led == o.partitions) return;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            throw cli_error("topic '" + o.topic + "' has no " + std::to_string(o.partitions) + " led partition(s)");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

// The same bytes every run: letters from a fixed seed, so lz4 compresses
// each run's batches to the same size.
protocol::bytes make_batch(const replay_options& o, std::mt19937& rng, int64_t& serial) {
    std::vector<protocol::record> records(static_cast<size_t>(o.records));
    std::uniform_int_distribution<int> letter('a', 'z');
    for (size_t i = 0; i < records.size(); ++i) {
        records[i].offset = static_cast<int64_t>(i);
        records[i].timestamp = 1'700'000'000'000 + static_cast<int64_t>(i);
        protocol::bytes value(static_cast<size_t>(o.size));
        for (auto& c : value) c = static_cast<uint8_t>(letter(rng));
        records[i].value = std::move(value);
        if (o.keys > 0) {
            const std::string key = "key-" + std::to_string(serial++ % o.keys);
            records[i].key = protocol::bytes(key.begin(), key.end());
        }
    }
    protocol::batch_builder_options options;
    options.codec = o.codec;
    return protocol::build_batch(records, options);
}

void produce_all(kafka_client& client, const replay_options& o) {
    const int16_t version = client.pick_version(protocol::produce_request::api_key, 3, 3);
    std::mt19937 rng(42);
    int64_t serial = 0;
    for (int i = 0; i < o.requests; ++i) {
        protocol::produce_request request;
        request.acks = 1;
        request.timeout_ms = 30'000;
        auto& t = request.topic_data.emplace_back();
        t.name = o.topic;
        for (int p = 0; p < o.partitions; ++p) {
            auto& part = t.partition_data.emplace_back();
            part.index = p;
            part.records = protocol::records_field::of_bytes(make_batch(o, rng, serial));
        }
        auto response = client.call<protocol::produce_response>(request, version);
        for (const auto& tr : response.responses) {
            for (const auto& pr : tr.partition_responses) {
                check_error(pr.error_code, std::nullopt, "produce request " + std::to_string(i) + " to partition " +
                                                             std::to_string(pr.index));
            }
        }
    }
}

// Returns the number of Fetch requests it took.
int fetch_all(kafka_client& client, const replay_options& o) {
    const int16_t version = client.pick_version(protocol::fetch_request::api_key, 4, 4);
    const int64_t end = static_cast<int64_t>(o.requests) * o.records;
    std::vector<int64_t> next(static_cast<size_t>(o.partitions), 0);
    int fetches = 0;
    protocol::bytes keep;
    while (true) {
        protocol::fetch_request request;
        request.replica_id = -1;
        request.max_wait_ms = 0;
        request.min_bytes = 0;
        request.max_bytes = fetch_bytes;
        auto& t = request.topics.emplace_back();
        t.topic = o.topic;
        for (int p = 0; p < o.partitions; ++p) {
            if (next[static_cast<size_t>(p)] >= end) continue;
            auto& fp = t.partitions.emplace_back();
            fp.partition = p;
            fp.fetch_offset = next[static_cast<size_t>(p)];
            fp.partition_max_bytes = fetch_bytes;
        }
        if (t.partitions.empty()) return fetches;
        auto response = client.call<protocol::fetch_response>(request, version, keep);
        ++fetches;
        for (const auto& tr : response.responses) {
            for (const auto& pr : tr.partitions) {
                check_error(pr.error_code, std::nullopt, "fetch of partition " + std::to_string(pr.partition_index));
                auto view = pr.records.contiguous();
                if (!view) continue;
                protocol::batch_iterator it(*view);
                while (auto batch = it.next()) {
                    auto header = protocol::read_batch_header(*batch);
                    if (header) next[static_cast<size_t>(pr.partition_index)] = header->last_offset() + 1;
                }
            }
        }
    }
}

int replay_command(const parsed_args& args) {
    replay_options o;
    o.topic = require(args, "--topic");
    if (args.has("--requests")) o.requests = static_cast<int>(parse_int(*args.get("--requests"), "--requests", 1, 1'000'000));
    if (args.has("--records")) o.records = static_cast<int>(parse_int(*args.get("--records"), "--records", 1, 100'000));
    if (args.has("--size")) o.size = static_cast<int>(parse_int(*args.get("--size"), "--size", 0, 1 << 20));
    if (args.has("--partitions")) {
        o.partitions = static_cast<int>(parse_int(*args.get("--partitions"), "--partitions", 1, 10'000));
    }
    if (auto codec = args.get("--compression")) {
        if (*codec == "lz4") {
            o.codec = protocol::compression::lz4;
        } else if (*codec != "none") {
            throw usage_error("--compression: '" + *codec + "' is not one of none, lz4");
        }
    }
    if (args.has("--keys")) o.keys = static_cast<int>(parse_int(*args.get("--keys"), "--keys", 0, 100'000'000));
    o.setup_only = args.has("--setup-only");
    kafka_client client(bootstrap_of(args), timeout_of(args));
    await_topic(client, o, timeout_of(args));
    if (o.setup_only) {
        std::cout << "topic ready\n";
        return exit_ok;
    }
    produce_all(client, o);
    const int fetches = fetch_all(client, o);
    std::cout << "produce requests " << o.requests << ", batches " << o.requests * o.partitions << ", fetch requests "
              << fetches << "\n";
    return exit_ok;
}

}  // namespace

command perf_replay_command() {
    return {"perf", "replay", "a fixed request sequence, for counting a broker's instructions",
            {"sluice perf replay -b HOST:PORT -t TOPIC [options]",
             "Sends REQUESTS Produce v3 requests (acks=1) one at a time, each carrying one\n"
             "batch of RECORDS records of SIZE bytes for each of PARTITIONS partitions, then\n"
             "Fetch v4 requests of 1 MiB until every record has come back. The record bytes\n"
             "are the same every run. The topic is auto-created by a Metadata request (give\n"
             "the broker num.partitions=PARTITIONS). --setup-only stops after that, for the\n"
             "baseline run bench/replay/callgrind_replay.py subtracts.",
             {bootstrap_option(), timeout_option(),
              {"-t", "--topic", "TOPIC", "the topic"},
              {"", "--requests", "N", "produce requests (default 300)"},
              {"", "--records", "N", "records per batch (default 100)"},
              {"", "--size", "BYTES", "value size of each record (default 100)"},
              {"", "--partitions", "N", "partitions, one batch each per request (default 1)"},
              {"", "--compression", "CODEC", "none or lz4 (default none)"},
              {"", "--keys", "N", "key records key-0..key-(N-1) in turn (default 0: no keys)"},
              {"", "--setup-only", "", "only wait for the topic"}}},
            replay_command};
}

}  // namespace sluice::tools

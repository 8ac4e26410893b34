// `sluice perf produce|consume|e2e`: the command table and option parsing.
// The runners live in perf_produce.cc, perf_consume.cc and perf_e2e.cc.
#include <set>

#include "tools/cli/cli_error.h"
#include "tools/cli/command.h"
#include "tools/cli/perf_options.h"

namespace sluice::tools {

command perf_replay_command();  // tools/cli/perf_replay.cc

namespace {

constexpr long long max_count = 1'000'000'000'000LL;
constexpr long long max_size = 100LL * 1024 * 1024;  // librdkafka's message.max.bytes ceiling is 1e9; 100 MiB is plenty
constexpr long long max_rate = 100'000'000;

option_spec topic_opt() { return {"-t", "--topic", "TOPIC", "the topic"}; }
option_spec count_opt() { return {"-n", "--count", "COUNT", "number of records"}; }
option_spec size_opt() { return {"-s", "--size", "BYTES", "value size of each record"}; }
option_spec rate_opt() {
    return {"", "--rate", "MSG/S", "open-loop send rate; latency counts from each record's due time"};
}
option_spec property_opt() {
    return {"-X", "--property", "KEY=VALUE", "librdkafka property, applied last", true};
}
option_spec json_opt() { return {"", "--json", "", "print one JSON object on stdout instead of text"}; }
option_spec timeout_opt() {
    return {"", "--timeout-ms", "MS", "metadata/topic creation timeout; consumers give up after this long idle (default 10000)"};
}

std::vector<option_spec> producer_opts(bool rate_required) {
    return {
        {"", "--acks", "0|1|all", "required acknowledgements (default: librdkafka's, all)"},
        {"", "--compression", "CODEC", "none, gzip, snappy, lz4 or zstd (default none)"},
        {"", "--linger-ms", "MS", "librdkafka linger.ms (default 5)"},
        rate_required ? option_spec{"", "--rate", "MSG/S", "send rate (required); latency counts from each record's due time"}
                      : rate_opt(),
        {"", "--partitions", "N", "create the topic with N partitions if it does not exist"},
        {"", "--keys", "N", "keys cycle over N distinct keys (default: no key)"},
    };
}

std::vector<option_spec> join(std::vector<option_spec> a, const std::vector<option_spec>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

std::string one_of(const parsed_args& args, std::string_view name, const std::set<std::string>& allowed) {
    std::string v = *args.get(name);
    if (!allowed.contains(v)) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        throw usage_error(std::string(name) + ": '" + v + "' is not one of " + list);
    }
    return v;
}

}  // namespace

perf_options parse_perf_options(const parsed_args& args) {
    perf_options o;
    o.bootstrap = bootstrap_of(args);
    o.topic = require(args, "--topic");
    if (o.topic.empty()) throw usage_error("--topic: empty topic name");
    o.count = uint64_t(parse_int(require(args, "--count"), "--count", 1, max_count));
    if (args.has("--size")) o.size = size_t(parse_int(*args.get("--size"), "--size", 0, max_size));
    if (args.has("--rate")) o.rate = uint64_t(parse_int(*args.get("--rate"), "--rate", 1, max_rate));
    if (args.has("--keys")) o.keys = uint64_t(parse_int(*args.get("--keys"), "--keys", 1, 10'000'000));
    if (args.has("--partitions")) o.partitions = int(parse_int(*args.get("--partitions"), "--partitions", 1, 1'000'000));
    if (args.has("--group")) o.group = *args.get("--group");
    if (args.has("--acks")) o.producer_properties.emplace_back("acks", one_of(args, "--acks", {"0", "1", "all"}));
    if (args.has("--compression")) {
        o.producer_properties.emplace_back("compression.codec",
                                           one_of(args, "--compression", {"none", "gzip", "snappy", "lz4", "zstd"}));
    }
    if (args.has("--linger-ms")) {
        o.producer_properties.emplace_back(
            "linger.ms", std::to_string(parse_int(*args.get("--linger-ms"), "--linger-ms", 0, 900000)));
    }
    for (const auto& kv : args.all("--property")) o.user_properties.push_back(parse_key_value(kv));
    o.json = args.has("--json");
    if (args.has("--timeout-ms")) {
        o.timeout = std::chrono::milliseconds(parse_int(*args.get("--timeout-ms"), "--timeout-ms", 1, 3600000));
    }
    return o;
}

namespace {

int produce_command(const parsed_args& args) {
    if (!args.has("--size")) throw usage_error("option --size is required");
    return run_perf_produce(parse_perf_options(args));
}

int consume_command(const parsed_args& args) { return run_perf_consume(parse_perf_options(args)); }

int e2e_command(const parsed_args& args) {
    auto o = parse_perf_options(args);
    if (!args.has("--size")) throw usage_error("option --size is required");
    if (o.size < 8) throw usage_error("--size: e2e needs at least 8 bytes for the send-time stamp");
    if (!args.has("--rate")) throw usage_error("option --rate is required");
    return run_perf_e2e(o);
}

}  // namespace

std::vector<command> perf_commands() {
    std::vector<option_spec> common = {bootstrap_option(), topic_opt(), count_opt()};
    std::vector<option_spec> tail = {property_opt(), json_opt(), timeout_opt()};
    return {
        {"perf", "produce", "measure producer throughput and latency",
         {"sluice perf produce -b HOST:PORT -t TOPIC -n COUNT -s BYTES [options]",
          "Produces COUNT records of BYTES random letters with librdkafka and reports\n"
          "records/s, MB/s (2^20 bytes) and the latency from each record's intended send\n"
          "time to its delivery report in microseconds (avg, p50, p99, p99.9, p99.99,\n"
          "max). Without --rate records go as fast as librdkafka takes them. Exit code 1\n"
          "when any delivery failed.",
          join(join(common, join({size_opt()}, producer_opts(false))), tail)},
         produce_command},
        {"perf", "consume", "measure consumer throughput",
         {"sluice perf consume -b HOST:PORT -t TOPIC -n COUNT [--group G] [options]",
          "Consumes COUNT records and reports records/s and MB/s from the start to the\n"
          "last record, and the time to the first record. Without --group every\n"
          "partition is assigned from the beginning; with --group the consumer\n"
          "subscribes (auto.offset.reset=earliest). Exit code 1 when fewer than COUNT\n"
          "records arrived (no record for --timeout-ms).",
          join(join(common, {{"", "--group", "GROUP", "subscribe as a member of this consumer group"}}), tail)},
         consume_command},
        {"perf", "e2e", "measure produce-to-consume latency",
         {"sluice perf e2e -b HOST:PORT -t TOPIC -n COUNT -s BYTES --rate MSG/S [options]",
          "Produces COUNT records at MSG/S while a consumer in the same process reads\n"
          "them; each record's first 8 bytes carry its intended send time, and the\n"
          "latency is from that time to the consumer's receipt (microseconds). The\n"
          "consumer starts at the current end of every partition. -X properties go to\n"
          "both the producer and the consumer.",
          join(join(common, join({size_opt()}, producer_opts(true))), tail)},
         e2e_command},
        perf_replay_command(),
    };
}

}  // namespace sluice::tools

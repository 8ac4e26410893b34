// `sluice produce -t TOPIC`: stdin lines (or --value) as records, for quick
// checks; kafka-console-producer.sh runs the same code.
#include <iostream>

#include "tools/cli/cli_error.h"
#include "tools/cli/command.h"
#include "tools/cli/console_io.h"
#include "tools/cli/json_output.h"
#include "tools/cli/record_client.h"

namespace sluice::tools {

namespace {

int16_t parse_acks(std::string_view text) {
    if (text == "all" || text == "-1") return -1;
    if (text == "0") return 0;
    if (text == "1") return 1;
    throw usage_error("--acks: '" + std::string(text) + "' is not one of 0, 1, all");
}

int run_produce(const parsed_args& args) {
    produce_settings s;
    s.bootstrap = bootstrap_of(args);
    s.timeout = timeout_of(args);
    s.topic = require(args, "--topic");
    if (auto p = args.get("--partition"))
        s.partition = static_cast<int32_t>(parse_int(*p, "--partition", 0, INT32_MAX));
    if (auto a = args.get("--acks")) s.acks = parse_acks(*a);
    if (auto c = args.get("--compression")) s.codec = parse_codec(*c, "--compression");
    if (auto k = args.get("--key-separator")) {
        if (k->empty()) throw usage_error("--key-separator must not be empty");
        s.key_separator = *k;
    }
    for (const auto& h : args.all("--header"))
        s.headers.push_back(parse_key_value(h));
    s.value = args.get("--value");
    s.key = args.get("--key");
    if (s.key && !s.value) throw usage_error("--key needs --value (for stdin lines use --key-separator)");
    if (s.value && s.key_separator) throw usage_error("--key-separator applies to stdin lines, not --value");
    s.json = json_requested(args);
    s.quiet = s.json;
    size_t sent = produce_records(s, std::cin, std::cerr);
    if (s.json) print_json(std::cout, boost::json::object{{"topic", s.topic}, {"records", sent}});
    return exit_ok;
}

}  // namespace

std::vector<command> produce_commands() {
    return {
        {"",
         "produce",
         "produce records from stdin lines or --value",
         {"sluice produce -t TOPIC [--value V [--key K]] [--key-separator SEP] [-H k=v]... [-b HOST:PORT]",
          "Produces one record per stdin line (or one record with --value). With --key-separator\n"
          "each line is KEY<SEP>VALUE. Keyed records go to the partition Kafka's default\n"
          "partitioner picks (murmur2 of the key); unkeyed records of one run share one partition.\n"
          "Prints a summary on stderr (with --json: {\"topic\", \"records\"} on stdout).",
          {{"-t", "--topic", "TOPIC", "the topic (auto-created when the broker allows it)"},
           {"", "--value", "VALUE", "produce one record with this value instead of reading stdin"},
           {"", "--key", "KEY", "the key of the --value record"},
           {"", "--key-separator", "SEP", "split each line into key and value at the first SEP"},
           {"-p", "--partition", "N", "produce to this partition"},
           {"", "--acks", "0|1|all", "acknowledgements to wait for (default all)"},
           {"-H", "--header", "KEY=VALUE", "add this header to every record", true},
           {"", "--compression", "CODEC", "none, gzip, snappy, lz4 or zstd (default none)"},
           bootstrap_option(),
           timeout_option(),
           json_option()}},
         run_produce},
    };
}

}  // namespace sluice::tools

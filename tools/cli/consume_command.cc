// `sluice consume -t TOPIC`: prints records, for quick checks;
// kafka-console-consumer.sh runs the same code.
#include <iostream>

#include "tools/cli/cli_error.h"
#include "tools/cli/command.h"
#include "tools/cli/console_io.h"
#include "tools/cli/json_output.h"

namespace sluice::tools {

namespace {

void parse_format(std::string_view list, consume_settings& s) {
    s.print_value = false;
    size_t pos = 0;
    while (pos <= list.size()) {
        size_t end = list.find(',', pos);
        std::string_view f = list.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
        if (f == "key")
            s.print_key = true;
        else if (f == "value")
            s.print_value = true;
        else if (f == "headers")
            s.print_headers = true;
        else if (f == "timestamp")
            s.print_timestamp = true;
        else if (f == "offset")
            s.print_offset = true;
        else if (f == "partition")
            s.print_partition = true;
        else
            throw usage_error("--print: unknown field '" + std::string(f) +
                              "' (key, value, headers, timestamp, offset, partition)");
        if (end == std::string_view::npos) break;
        pos = end + 1;
    }
}

int run_consume(const parsed_args& args) {
    consume_settings s;
    s.bootstrap = bootstrap_of(args);
    s.topic = require(args, "--topic");
    if (auto p = args.get("--partition"))
        s.partition = static_cast<int32_t>(parse_int(*p, "--partition", 0, INT32_MAX));
    s.group = args.get("--group");
    if (auto o = args.get("--offset")) {
        if (s.group)
            throw usage_error("--offset and --group exclude each other (a group starts at its committed offsets)");
        if (*o == "earliest")
            s.start = start_at::earliest;
        else if (*o == "latest")
            s.start = start_at::latest;
        else {
            if (!s.partition) throw usage_error("--offset N needs --partition");
            s.start = start_at::offset;
            s.start_offset = parse_int(*o, "--offset", 0, INT64_MAX);
        }
        if (args.has("--from-beginning")) throw usage_error("--offset and --from-beginning exclude each other");
    } else if (args.has("--from-beginning")) {
        s.start = s.group ? start_at::committed : start_at::earliest;
        s.group_reset_earliest = true;
    } else if (s.group) {
        s.start = start_at::committed;
    }
    if (auto m = args.get("--max-messages")) s.max_messages = parse_int(*m, "--max-messages", 1, INT64_MAX);
    s.idle_timeout = timeout_of(args);
    if (auto iso = args.get("--isolation-level")) {
        if (*iso == "read_committed")
            s.read_committed = true;
        else if (*iso != "read_uncommitted")
            throw usage_error("--isolation-level: '" + *iso + "' is not read_committed or read_uncommitted");
    }
    if (auto f = args.get("--print")) parse_format(*f, s);
    if (auto sep = args.get("--separator")) s.key_separator = *sep;
    s.json = json_requested(args);
    consume_records(s, std::cout, std::cerr);
    return exit_ok;
}

}  // namespace

std::vector<command> consume_commands() {
    return {
        {"",
         "consume",
         "print records of a topic",
         {"sluice consume -t TOPIC [--from-beginning | --offset earliest|latest|N] [--max-messages N] [-b HOST:PORT]",
          "Prints records, one per line, until --max-messages records or --timeout-ms without a\n"
          "record. Starts at the end of each partition unless told otherwise; with --group starts at\n"
          "the group's committed offsets and commits where it stopped (without joining the group).\n"
          "Prints 'Processed a total of N messages' on stderr. With --json each record is one line\n"
          "{\"topic\", \"partition\", \"offset\", \"timestamp\", \"timestamp_type\", \"key\", \"value\", \"headers\"}\n"
          "(keys, values and header values as text when printable ASCII, else 0x + hex; null when absent).",
          {{"-t", "--topic", "TOPIC", "the topic"},
           {"-p", "--partition", "N", "read only this partition"},
           {"", "--from-beginning", "", "start at the earliest offset (with --group: when nothing is committed)"},
           {"", "--offset", "WHERE", "earliest, latest, or an offset (needs --partition)"},
           {"-g", "--group", "GROUP", "start at and commit to this consumer group's offsets"},
           {"-n", "--max-messages", "N", "exit after N records"},
           {"", "--isolation-level", "LEVEL", "read_uncommitted (default) or read_committed"},
           {"", "--print", "FIELDS", "comma list of timestamp,partition,offset,headers,key,value (default value)"},
           {"", "--separator", "SEP", "between printed fields (default a tab)"},
           bootstrap_option(),
           {"", "--timeout-ms", "MS", "exit after this long without a record (default 10000)"},
           json_option()}},
         run_consume},
    };
}

}  // namespace sluice::tools

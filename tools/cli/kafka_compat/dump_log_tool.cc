// kafka-dump-log.sh over `sluice dump-log`'s readers (same output format).
#include <iostream>
#include <sstream>

#include "tools/cli/kafka_compat/tool.h"
#include "tools/cli/segment_dump.h"

namespace sluice::tools::kafka_compat {

namespace {

int run_dump_log(const flag_values& args) {
    dump_options options;
    options.records = args.has("print-data-log") || args.has("deep-iteration");
    options.verify = args.has("verify-index-only") || args.has("index-sanity-check");
    for (auto d : {"key-decoder-class", "value-decoder-class"}) {
        if (auto c = args.get(d); c && *c != "kafka.serializer.StringDecoder") {
            throw flag_error("Option " + std::string(d) + ": only kafka.serializer.StringDecoder is available, not '" +
                             *c + "'");
        }
    }
    for (auto d : {"offsets-decoder", "transaction-log-decoder", "cluster-metadata-decoder",
                   "remote-log-metadata-decoder", "share-group-state-decoder"}) {
        if (args.has(d)) throw flag_error("Option " + std::string(d) + " is not supported by this script");
    }
    std::vector<std::string> files;
    for (const auto& list : args.all("files")) {
        std::stringstream in(list);
        std::string f;
        while (std::getline(in, f, ',')) {
            if (!f.empty()) files.push_back(f);
        }
    }
    if (files.empty()) throw flag_error("Missing required argument \"[files]\"");
    size_t problems = 0;
    auto out = text_dump_output(std::cout);
    for (const auto& path : files) problems += dump_file(path, options, *out);
    std::cout.flush();
    return problems > 0 ? 1 : 0;
}

}  // namespace

tool dump_log_tool() {
    return {
        "kafka-dump-log",
        "This tool helps to parse a log file and dump its contents to the console, useful for debugging a seemingly "
        "corrupt log segment.",
        {{"cluster-metadata-decoder", value_kind::none, "Not supported."},
         {"deep-iteration", value_kind::none,
          "if set, uses deep instead of shallow iteration (implies --print-data-log)."},
         {"files", value_kind::required,
          "REQUIRED: The comma separated list of data and index log files to be dumped."},
         {"help", value_kind::none, "Print usage information."},
         {"index-sanity-check", value_kind::none, "if set, just checks the index sanity without printing its content."},
         {"key-decoder-class", value_kind::required, "Only kafka.serializer.StringDecoder."},
         {"max-bytes", value_kind::required, "Accepted for compatibility; whole files are read."},
         {"max-message-size", value_kind::required, "Accepted for compatibility; batches of any size are read."},
         {"offsets-decoder", value_kind::none, "Not supported."},
         {"print-data-log", value_kind::none, "if set, printing the messages content when dumping data logs."},
         {"skip-record-metadata", value_kind::none, "Accepted for compatibility."},
         {"transaction-log-decoder", value_kind::none, "Not supported."},
         {"value-decoder-class", value_kind::required, "Only kafka.serializer.StringDecoder."},
         {"verify-index-only", value_kind::none, "if set, just verify the index log without printing its content."},
         {"version", value_kind::none, "Display Kafka version."}},
        run_dump_log};
}

}  // namespace sluice::tools::kafka_compat

// `sluice dump-log FILE`: what kafka-dump-log does, for .log, .index and
// .timeindex files, reading the file directly (no broker needed).
#include <iostream>

#include "tools/cli/cli_error.h"
#include "tools/cli/command.h"
#include "tools/cli/json_output.h"
#include "tools/cli/segment_dump.h"

namespace sluice::tools {

namespace {

int run_dump_log(const parsed_args& args) {
    dump_options options;
    options.records = args.has("--records");
    options.verify = args.has("--verify");
    const bool json = json_requested(args);
    json_dump_output json_out;
    std::unique_ptr<dump_output> text_out = text_dump_output(std::cout);
    dump_output& out = json ? static_cast<dump_output&>(json_out) : *text_out;
    size_t problems = 0;
    for (const auto& path : args.positionals()) problems += dump_file(path, options, out);
    if (json) print_json(std::cout, json_out.document(problems));
    std::cout.flush();
    if (problems > 0) {
        std::cerr << "sluice: dump-log found " << problems << " problem(s)\n";
        return exit_error;
    }
    return exit_ok;
}

}  // namespace

std::vector<command> dump_log_commands() {
    return {
        {"", "dump-log", "print the batches of a segment file, or the entries of an index file",
         {"sluice dump-log FILE... [--records] [--verify] [--json]",
          "Prints one line per record batch of a .log segment (as Kafka's kafka-dump-log does;\n"
          "the CreateTime/LogAppendTime value is the batch's max timestamp), or one line\n"
          "per entry of a .index / .timeindex file. Reads the file directly; no broker needed.\n"
          "Stops at the first truncated or garbled batch and says at which position.\n"
          "Exits 1 when anything was wrong with the file (bad CRC, truncation, ...).\n"
          "With --json: one document {\"files\": [{\"path\", \"kind\", \"base_offset\", \"batches\" (each with\n"
          "its \"records\" under --records) or \"entries\", \"problems\", \"notes\", \"verified\"}], \"problems\": N}.",
          {{"", "--records", "", "also print every record (offset, timestamp, headers, key, value)"},
           {"", "--verify", "", "also decode every batch, check offsets and index entries, print a summary"},
           json_option()},
          1,
          1000000,
          "arguments:\n  FILE  a .log, .index or .timeindex file (type chosen by the suffix;\n"
          "        anything else is read as a .log)"},
         run_dump_log},
    };
}

}  // namespace sluice::tools

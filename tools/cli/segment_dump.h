#pragma once
// Reading log files for `sluice dump-log` (what is shown and how: dump_output.h). Both
// functions read files that may be truncated or garbage: they stop at the
// first unreadable spot, say where, and count it as a problem.
#include <cstddef>
#include <string>

#include "tools/cli/dump_output.h"

namespace sluice::tools {

struct dump_options {
    bool records = false;  // print every record of every batch
    bool verify = false;   // decode every batch and cross-check indexes against the .log
};

// Returns the number of problems found (bad CRC, truncated or garbled
// batch, undecodable records, out-of-order offsets).
size_t dump_segment(const std::string& path, const dump_options& options, dump_output& out);

// `.index` / `.timeindex` files.
size_t dump_offset_index(const std::string& path, const dump_options& options, dump_output& out);
size_t dump_time_index(const std::string& path, const dump_options& options, dump_output& out);

// One of the above chosen by the file's suffix (.timeindex, .index, else .log).
size_t dump_file(const std::string& path, const dump_options& options, dump_output& out);

}  // namespace sluice::tools

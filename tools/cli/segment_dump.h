#pragma once
// Printing the contents of log files in kafka-dump-log's format. Both
// functions read files that may be truncated or garbage: they stop at the
// first unreadable spot, say where, and count it as a problem.
#include <cstddef>
#include <ostream>
#include <string>

namespace sluice::tools {

struct dump_options {
    bool records = false;  // print every record of every batch
    bool verify = false;   // decode every batch and cross-check indexes against the .log
};

// Returns the number of problems found (bad CRC, truncated or garbled
// batch, undecodable records, out-of-order offsets).
size_t dump_segment(const std::string& path, const dump_options& options, std::ostream& out);

// `.index` / `.timeindex` files.
size_t dump_offset_index(const std::string& path, const dump_options& options, std::ostream& out);
size_t dump_time_index(const std::string& path, const dump_options& options, std::ostream& out);

}  // namespace sluice::tools

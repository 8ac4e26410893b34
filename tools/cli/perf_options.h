#pragma once
// The command line of `sluice perf produce|consume|e2e`, parsed and checked
// once (bad values are usage errors, exit 2) and handed to the runners.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "tools/cli/args.h"
#include "tools/cli/perf_kafka.h"

namespace sluice::tools {

struct perf_options {
    std::string bootstrap;
    std::string topic;
    uint64_t count = 0;
    size_t size = 0;
    uint64_t rate = 0;       // 0: as fast as possible
    uint64_t keys = 0;       // 0: no keys
    int partitions = 0;      // 0: leave creation to auto-create
    std::optional<std::string> group;
    property_list producer_properties;  // from --acks, --compression, --linger-ms
    property_list user_properties;      // -X, applied after everything else
    bool json = false;
    std::chrono::milliseconds timeout{10000};  // metadata, topic creation, consumer idle
};

perf_options parse_perf_options(const parsed_args& args);

// The runners; each returns the exit code.
int run_perf_produce(const perf_options& options);
int run_perf_consume(const perf_options& options);
int run_perf_e2e(const perf_options& options);

}  // namespace sluice::tools

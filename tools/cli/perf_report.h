#pragma once
// What a `sluice perf` run reports, and how: a few aligned text lines, or one
// JSON object on stdout with --json; plus a once-a-second progress line on
// stderr while the run lasts, only when stderr is a terminal (so logs and
// scripts never see carriage returns).
//
// Units: MB is 2^20 bytes (as Kafka's perf tools), latencies are
// microseconds, bytes are key + value bytes (uncompressed).
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "tools/cli/perf_histogram.h"

namespace sluice::tools {

struct perf_result {
    std::string mode;  // "produce", "consume", "e2e"
    std::string topic;
    uint64_t requested = 0;  // -n
    uint64_t records = 0;    // delivered (produce) or received (consume, e2e)
    uint64_t failed = 0;     // delivery failures, or records never received
    uint64_t bytes = 0;
    double seconds = 0;      // the interval the rates are computed over
    uint64_t target_rate = 0;  // --rate; 0 = as fast as possible
    std::string first_error;   // empty when none
    // Each latency histogram with the name it is reported under
    // ("latency_us", "produce_latency_us") and a one-line description.
    struct latency {
        std::string key;
        std::string what;
        const latency_histogram* histogram;
    };
    std::vector<latency> latencies;
    // Extra numeric fields (name, value), printed as they are.
    std::vector<std::pair<std::string, double>> extras;

    double records_per_sec() const { return seconds > 0 ? double(records) / seconds : 0; }
    double mb_per_sec() const { return seconds > 0 ? double(bytes) / (1024.0 * 1024.0) / seconds : 0; }
};

void print_text(std::ostream& out, const perf_result& result);
void print_json(std::ostream& out, const perf_result& result);
// print_json or print_text to stdout.
void emit(const perf_result& result, bool json);

// The running totals the progress line shows.
struct progress_sample {
    uint64_t records = 0;
    uint64_t bytes = 0;
    uint64_t failed = 0;
};

// Samples `sample` once a second on its own thread and rewrites one stderr
// line; does nothing when stderr is not a terminal. Stops (and clears the
// line) on stop() or destruction.
class progress_line {
public:
    progress_line(std::string label, uint64_t total, std::function<progress_sample()> sample);
    ~progress_line();
    progress_line(const progress_line&) = delete;
    progress_line& operator=(const progress_line&) = delete;
    void stop();

private:
    void run();

    std::string label_;
    uint64_t total_;
    std::function<progress_sample()> sample_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace sluice::tools

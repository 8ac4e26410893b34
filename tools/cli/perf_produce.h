#pragma once
// The producing half of `sluice perf produce` and `sluice perf e2e`.
//
// Open-loop pacing: with a rate, message i is due at start + i / rate and is
// handed to librdkafka then, however late earlier messages are; its latency
// is measured from that intended time, so a stalled broker shows up as
// latency of every message that should have been sent during the stall
// (coordinated omission is not hidden). Without a rate, messages go as fast
// as librdkafka takes them and the intended time is the first attempt
// (a full local queue counts as latency).
//
// Threads: the caller's thread produces; a poller thread serves delivery
// reports as soon as they arrive (a producer that sleeps until the next due
// time would otherwise delay them) and owns the latency histogram.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "tools/cli/perf_histogram.h"
#include "tools/cli/perf_kafka.h"
#include "tools/cli/perf_report.h"

namespace sluice::tools {

struct produce_settings {
    std::string topic;
    uint64_t count = 0;
    size_t size = 0;       // value bytes
    uint64_t rate = 0;     // messages/s; 0 = as fast as possible
    uint64_t keys = 0;     // 0 = no key; else keys cycle over this many
    bool stamp_payload = false;  // first 8 bytes = intended send time (now_ns())
};

class perf_producer {
public:
    // `conf` gets the delivery report callback; the handle is created here.
    explicit perf_producer(kafka_conf conf);
    ~perf_producer();
    perf_producer(const perf_producer&) = delete;
    perf_producer& operator=(const perf_producer&) = delete;

    rd_kafka_t* handle() const { return rk_.get(); }

    // Produces settings.count messages and waits for every delivery report.
    void run(const produce_settings& settings);

    // Results, valid after run().
    uint64_t delivered() const { return delivered_.load(); }
    uint64_t failed() const { return failed_.load(); }
    uint64_t bytes() const { return bytes_.load(); }
    double seconds() const;  // first due time to the last delivery report
    int64_t start_ns() const { return start_ns_; }
    const latency_histogram& latency() const { return *latency_; }
    std::string first_error() const;
    progress_sample sample() const { return {delivered_.load(), bytes_.load(), failed_.load()}; }

private:
    static void on_delivery(rd_kafka_t* rk, const rd_kafka_message_t* message, void* opaque);
    void fail(const std::string& error);

    kafka_handle rk_;
    std::unique_ptr<latency_histogram> latency_ = std::make_unique<latency_histogram>();
    std::atomic<uint64_t> delivered_{0};
    std::atomic<uint64_t> failed_{0};
    std::atomic<uint64_t> bytes_{0};
    std::atomic<int64_t> last_report_ns_{0};
    int64_t start_ns_ = 0;
    mutable std::mutex error_mutex_;
    std::string first_error_;
};

}  // namespace sluice::tools

#include "tools/cli/perf_report.h"

#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace sluice::tools {

namespace {

std::string fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, std::isfinite(v) ? v : 0.0);
    return buf;
}

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += char(c);
                }
        }
    }
    return out + "\"";
}

struct percentile_point {
    const char* text_name;
    const char* json_name;
    double q;
};
constexpr percentile_point points[] = {
    {"p50", "p50", 50.0}, {"p99", "p99", 99.0}, {"p99.9", "p999", 99.9}, {"p99.99", "p9999", 99.99}};

}  // namespace

void print_text(std::ostream& out, const perf_result& r) {
    out << r.mode << " '" << r.topic << "': " << r.records << " of " << r.requested << " records";
    if (r.failed) out << ", " << r.failed << " FAILED";
    out << ", " << fixed(double(r.bytes) / (1024.0 * 1024.0), 2) << " MB in " << fixed(r.seconds, 3) << " s\n";
    out << "throughput: " << fixed(r.records_per_sec(), 1) << " records/s, " << fixed(r.mb_per_sec(), 2) << " MB/s";
    if (r.target_rate) out << " (target " << r.target_rate << " records/s)";
    out << "\n";
    for (const auto& [name, value] : r.extras) {
        out << name << ": " << (value == std::floor(value) ? fixed(value, 0) : fixed(value, 3)) << "\n";
    }
    for (const auto& l : r.latencies) {
        const latency_histogram& h = *l.histogram;
        out << l.what << " (us, " << h.count() << " samples): avg " << fixed(h.mean(), 1);
        for (const auto& p : points) out << "  " << p.text_name << " " << h.percentile(p.q);
        out << "  max " << h.max() << "\n";
    }
    if (!r.first_error.empty()) out << "first error: " << r.first_error << "\n";
}

void print_json(std::ostream& out, const perf_result& r) {
    out << "{\"mode\": " << json_string(r.mode) << ", \"topic\": " << json_string(r.topic)
        << ", \"requested\": " << r.requested << ", \"records\": " << r.records << ", \"failed\": " << r.failed
        << ", \"bytes\": " << r.bytes << ", \"seconds\": " << fixed(r.seconds, 6)
        << ", \"records_per_sec\": " << fixed(r.records_per_sec(), 3) << ", \"mb_per_sec\": " << fixed(r.mb_per_sec(), 6)
        << ", \"target_rate\": " << r.target_rate;
    for (const auto& [name, value] : r.extras) out << ", " << json_string(name) << ": " << fixed(value, 6);
    for (const auto& l : r.latencies) {
        const latency_histogram& h = *l.histogram;
        out << ", " << json_string(l.key) << ": {\"count\": " << h.count() << ", \"avg\": " << fixed(h.mean(), 3)
            << ", \"min\": " << h.min();
        for (const auto& p : points) out << ", \"" << p.json_name << "\": " << h.percentile(p.q);
        out << ", \"max\": " << h.max() << "}";
    }
    out << ", \"error\": " << (r.first_error.empty() ? "null" : json_string(r.first_error)) << "}\n";
}

void emit(const perf_result& result, bool json) {
    if (json) {
        print_json(std::cout, result);
    } else {
        print_text(std::cout, result);
    }
    std::cout.flush();
}

progress_line::progress_line(std::string label, uint64_t total, std::function<progress_sample()> sample)
    : label_(std::move(label)), total_(total), sample_(std::move(sample)) {
    if (isatty(STDERR_FILENO)) thread_ = std::thread([this] { run(); });
}

progress_line::~progress_line() { stop(); }

void progress_line::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void progress_line::run() {
    using clock = std::chrono::steady_clock;
    progress_sample last{};
    auto last_time = clock::now();
    bool printed = false;
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; })) {
        progress_sample now = sample_();
        auto t = clock::now();
        double dt = std::chrono::duration<double>(t - last_time).count();
        double rate = dt > 0 ? double(now.records - last.records) / dt : 0;
        double mb = dt > 0 ? double(now.bytes - last.bytes) / (1024.0 * 1024.0) / dt : 0;
        std::fprintf(stderr, "\r%s: %" PRIu64 "/%" PRIu64 " records, %.0f records/s, %.2f MB/s, %" PRIu64 " failed\033[K",
                     label_.c_str(), now.records, total_, rate, mb, now.failed);
        std::fflush(stderr);
        printed = true;
        last = now;
        last_time = t;
    }
    if (printed) {
        std::fprintf(stderr, "\r\033[K");
        std::fflush(stderr);
    }
}

}  // namespace sluice::tools

#include <unistd.h>

#include <iostream>
#include <map>
#include <random>

#include "protocol/murmur2.h"
#include "tools/cli/broker_error.h"
#include "tools/cli/cli_error.h"
#include "tools/cli/console_io.h"
#include "tools/cli/leader_connections.h"
#include "tools/cli/record_client.h"

namespace sluice::tools {

namespace {

protocol::bytes to_bytes(std::string_view s) { return protocol::bytes(s.begin(), s.end()); }

std::optional<protocol::bytes> field(std::string_view text, const produce_settings& s) {
    if (!s.null_marker.empty() && text == s.null_marker) return std::nullopt;
    return to_bytes(text);
}

// "k1:v1,k2:v2" as Kafka's LineMessageReader reads parse.headers; a header
// without the key separator has a null value.
void parse_headers(std::string_view text, const produce_settings& s, protocol::record& r, size_t line_no) {
    if (text.empty()) return;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t end = text.find(s.headers_separator, pos);
        std::string_view h = text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
        size_t sep = h.find(s.headers_key_separator);
        std::string key(sep == std::string_view::npos ? h : h.substr(0, sep));
        if (key.empty()) throw usage_error("line " + std::to_string(line_no) + ": a header has no key");
        std::optional<protocol::bytes> value;
        if (sep != std::string_view::npos) value = field(h.substr(sep + s.headers_key_separator.size()), s);
        r.headers.emplace_back(std::move(key), std::move(value));
        if (end == std::string_view::npos) break;
        pos = end + s.headers_separator.size();
    }
}

protocol::record parse_line(std::string_view line, const produce_settings& s, size_t line_no) {
    protocol::record r;
    if (s.headers_delimiter) {
        size_t d = line.find(*s.headers_delimiter);
        if (d != std::string_view::npos) {
            parse_headers(line.substr(0, d), s, r, line_no);
            line.remove_prefix(d + s.headers_delimiter->size());
        } else if (!s.ignore_error) {  // ignore.error: a line without headers has none
            throw usage_error("line " + std::to_string(line_no) + ": no headers delimiter '" + *s.headers_delimiter +
                              "' (parse.headers=true)");
        }
    }
    if (s.key_separator) {
        size_t k = line.find(*s.key_separator);
        if (k != std::string_view::npos) {
            r.key = field(line.substr(0, k), s);
            line.remove_prefix(k + s.key_separator->size());
        } else if (!s.ignore_error) {  // ignore.error: the whole line is the value, no key
            throw usage_error("line " + std::to_string(line_no) + ": no key separator '" + *s.key_separator +
                              "' (parse.key=true)");
        }
    }
    r.value = field(line, s);
    return r;
}

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

class sender {
public:
    sender(const produce_settings& s, leader_connections& leaders)
        : s_(s), leaders_(leaders), partitions_(leaders.partition_count()) {
        // Unkeyed records of one run share a partition (Kafka's sticky
        // partitioner sticks per batch; one run is one batch here).
        sticky_ = static_cast<int32_t>(std::random_device{}() % static_cast<uint32_t>(partitions_));
    }

    void add(protocol::record r) {
        int32_t p = s_.partition ? *s_.partition : (r.key ? protocol::partition_for_key(*r.key, partitions_) : sticky_);
        r.timestamp = now_ms();
        for (const auto& [k, v] : s_.headers)
            r.headers.emplace_back(k, to_bytes(v));
        auto& pending = pending_[p];
        r.offset = static_cast<int64_t>(pending.size());
        pending_bytes_[p] += (r.key ? r.key->size() : 0) + (r.value ? r.value->size() : 0);
        pending.push_back(std::move(r));
        // Well under message.max.bytes (1 MiB by default), as a Kafka producer's batch.size keeps batches small.
        if (pending.size() >= s_.batch_size || pending_bytes_[p] >= max_batch_bytes) flush_partition(p);
    }

    void flush() {
        for (auto& [p, records] : pending_) {
            if (!records.empty()) flush_partition(p);
        }
    }

    size_t sent() const { return sent_; }

private:
    void flush_partition(int32_t p) {
        auto& records = pending_[p];
        int32_t broker_timeout = static_cast<int32_t>(std::max<long long>(1, s_.timeout.count() - 500));
        auto result = produce_batch(leaders_.leader(p), s_.topic, p, records, s_.acks, s_.codec, broker_timeout);
        if (is_stale_leader_error(result.error_code)) {  // leadership moved: once more, to the new leader
            leaders_.refresh();
            result = produce_batch(leaders_.leader(p), s_.topic, p, records, s_.acks, s_.codec, broker_timeout);
        }
        if (result.error_code != 0) {
            check_error(result.error_code, result.error_message,
                        "cannot produce to " + s_.topic + "-" + std::to_string(p) + " (" + std::to_string(sent_) +
                            " record(s) sent before)");
        }
        sent_ += records.size();
        records.clear();
        pending_bytes_[p] = 0;
    }

    const produce_settings& s_;
    leader_connections& leaders_;
    int32_t partitions_;
    int32_t sticky_ = 0;
    static constexpr size_t max_batch_bytes = 256 * 1024;
    std::map<int32_t, std::vector<protocol::record>> pending_;
    std::map<int32_t, size_t> pending_bytes_;
    size_t sent_ = 0;
};

}  // namespace

size_t produce_records(const produce_settings& s, std::istream& in, std::ostream& err) {
    leader_connections leaders(s.bootstrap, s.timeout, s.topic, true);
    if (s.partition)
        leaders.leader(*s.partition);  // fails early, naming the error, for a partition that does not exist
    sender out(s, leaders);
    if (s.value) {
        protocol::record r;
        if (s.key) r.key = field(*s.key, s);
        r.value = field(*s.value, s);
        out.add(std::move(r));
    } else {
        // A person typing expects each line to go out at once; a pipe is batched.
        bool interactive = isatty(STDIN_FILENO) != 0 && &in == &std::cin;
        std::string line;
        size_t line_no = 0;
        while (std::getline(in, line)) {
            ++line_no;
            if (!line.empty() && line.back() == '\r') line.pop_back();
            out.add(parse_line(line, s, line_no));
            if (interactive) out.flush();
        }
    }
    out.flush();
    if (!s.quiet) err << "Produced " << out.sent() << " record(s) to '" << s.topic << "'.\n";
    return out.sent();
}

}  // namespace sluice::tools

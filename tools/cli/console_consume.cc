#include <algorithm>
#include <map>
#include <thread>
#include <tuple>

#include "protocol/generated/offset_commit.h"
#include "protocol/generated/offset_fetch.h"
#include "tools/cli/broker_error.h"
#include "tools/cli/cli_error.h"
#include "tools/cli/console_io.h"
#include "tools/cli/file_input.h"
#include "tools/cli/json_output.h"
#include "tools/cli/kafka_client.h"
#include "tools/cli/leader_connections.h"
#include "tools/cli/record_client.h"

namespace sluice::tools {

namespace {

constexpr int64_t earliest = -2;
constexpr int64_t latest = -1;

void write_field(std::ostream& out, const std::optional<protocol::bytes>& b, const consume_settings& s) {
    if (!b) {
        out << s.null_literal;
        return;
    }
    out.write(reinterpret_cast<const char*>(b->data()), static_cast<std::streamsize>(b->size()));
}

boost::json::value json_bytes(const std::optional<protocol::bytes>& b) {
    if (!b) return nullptr;
    return boost::json::value(printable(b));
}

// `--json`: a line per record with every field, so a stream stays parseable
// record by record (a run may never end).
void print_json_record(std::ostream& out, const std::string& topic, int32_t partition, const fetched_record& fr) {
    const auto& r = fr.record;
    boost::json::array headers;
    for (const auto& [name, value] : r.headers) {
        headers.push_back(boost::json::object{{"key", name}, {"value", json_bytes(value)}});
    }
    print_json(out, boost::json::object{
                        {"topic", topic},
                        {"partition", partition},
                        {"offset", r.offset},
                        {"timestamp", r.timestamp},
                        {"timestamp_type", fr.log_append_time ? "LogAppendTime" : "CreateTime"},
                        {"key", json_bytes(r.key)},
                        {"value", json_bytes(r.value)},
                        {"headers", std::move(headers)},
                    });
}

// The layout of Kafka's DefaultMessageFormatter: the enabled fields in a fixed
// order, key.separator between them, line.separator after the record.
void print_record(std::ostream& out, int32_t partition, const fetched_record& fr, const consume_settings& s) {
    const auto& r = fr.record;
    bool first = true;
    auto sep = [&] {
        if (!first) out << s.key_separator;
        first = false;
    };
    if (s.print_timestamp) {
        sep();
        out << (fr.log_append_time ? "LogAppendTime:" : "CreateTime:") << r.timestamp;
    }
    if (s.print_partition) {
        sep();
        out << "Partition:" << partition;
    }
    if (s.print_offset) {
        sep();
        out << "Offset:" << r.offset;
    }
    if (s.print_headers) {
        sep();
        if (r.headers.empty()) out << "NO_HEADERS";
        for (size_t i = 0; i < r.headers.size(); ++i) {
            if (i > 0) out << s.headers_separator;
            out << r.headers[i].first << s.headers_key_separator;
            write_field(out, r.headers[i].second, s);
        }
    }
    if (s.print_key) {
        sep();
        write_field(out, r.key, s);
    }
    if (s.print_value) {
        sep();
        write_field(out, r.value, s);
    }
    out << s.line_separator;
}

std::map<int32_t, int64_t> committed_offsets(kafka_client& client, const std::string& group, const std::string& topic,
                                             const std::vector<int32_t>& partitions) {
    // v1..v7 take one group (v8 switches to a list of groups).
    int16_t version = client.pick_version(protocol::offset_fetch_request::api_key, 1, 7);
    protocol::offset_fetch_request request;
    request.group_id = group;
    request.topics.emplace();
    protocol::offset_fetch_request::offset_fetch_request_topic t;
    t.name = topic;
    t.partition_indexes = partitions;
    request.topics->push_back(std::move(t));
    auto response = client.call<protocol::offset_fetch_response>(request, version);
    check_error(response.error_code, std::nullopt, "cannot read the offsets of group '" + group + "'");
    std::map<int32_t, int64_t> out;
    for (const auto& rt : response.topics) {
        for (const auto& rp : rt.partitions) {
            if (rt.name != topic) continue;
            check_error(rp.error_code, std::nullopt, "cannot read the offsets of group '" + group + "'");
            if (rp.committed_offset >= 0) out[rp.partition_index] = rp.committed_offset;
        }
    }
    return out;
}

// Commits as a consumer outside any generation (generation -1, no member),
// which Kafka accepts for a group with no active members.
void commit_offsets(kafka_client& client, const std::string& group, const std::string& topic,
                    const std::map<int32_t, int64_t>& positions) {
    int16_t version = client.pick_version(protocol::offset_commit_request::api_key, 2, 8);
    protocol::offset_commit_request request;
    request.group_id = group;
    request.generation_id_or_member_epoch = -1;
    protocol::offset_commit_request::offset_commit_request_topic t;
    t.name = topic;
    for (auto [p, offset] : positions) {
        protocol::offset_commit_request::offset_commit_request_partition cp;
        cp.partition_index = p;
        cp.committed_offset = offset;
        t.partitions.push_back(cp);
    }
    request.topics.push_back(std::move(t));
    auto response = client.call<protocol::offset_commit_response>(request, version);
    for (const auto& rt : response.topics) {
        for (const auto& rp : rt.partitions) {
            check_error(rp.error_code, std::nullopt, "cannot commit the offsets of group '" + group + "'");
        }
    }
}

int64_t resolve(leader_connections& leaders, const consume_settings& s, int32_t partition, int64_t which) {
    auto [code, offset] = list_offset(leaders.leader(partition), s.topic, partition, which, s.read_committed);
    if (is_stale_leader_error(code)) {
        leaders.refresh();
        std::tie(code, offset) = list_offset(leaders.leader(partition), s.topic, partition, which, s.read_committed);
    }
    check_error(code, std::nullopt, "cannot find the offsets of " + s.topic + "-" + std::to_string(partition));
    return offset;
}

}  // namespace

long long consume_records(const consume_settings& s, std::ostream& out, std::ostream& err) {
    // Fetches wait up to 500 ms on the broker, so the socket timeout must exceed that.
    leader_connections leaders(s.bootstrap, std::max(s.request_timeout, std::chrono::milliseconds(2000)), s.topic,
                               true);
    int32_t count = leaders.partition_count();
    std::vector<int32_t> partitions;
    if (s.partition) {
        if (*s.partition < 0 || *s.partition >= count) {
            throw cli_error("topic '" + s.topic + "' has " + std::to_string(count) +
                            " partition(s); there is no partition " + std::to_string(*s.partition) +
                            ": UNKNOWN_TOPIC_OR_PARTITION (3)");
        }
        partitions.push_back(*s.partition);
    } else {
        for (int32_t p = 0; p < count; ++p)
            partitions.push_back(p);
    }

    std::map<int32_t, int64_t> committed;
    if (s.group) committed = committed_offsets(leaders.coordinator(*s.group), *s.group, s.topic, partitions);
    std::map<int32_t, int64_t> position;
    for (int32_t p : partitions) {
        if (s.start == start_at::offset) {
            position[p] = s.start_offset;
        } else if (s.start == start_at::committed && committed.contains(p)) {
            position[p] = committed[p];
        } else {
            bool from_start =
                s.start == start_at::earliest || (s.start == start_at::committed && s.group_reset_earliest);
            position[p] = resolve(leaders, s, p, from_start ? earliest : latest);
        }
    }
    bool reset_earliest = s.start == start_at::earliest || s.group_reset_earliest;

    long long printed = 0;
    auto last_record = std::chrono::steady_clock::now();
    auto last_commit = last_record;
    int32_t wait_ms = static_cast<int32_t>(std::max<size_t>(10, 500 / partitions.size()));
    if (s.idle_timeout)
        wait_ms = static_cast<int32_t>(std::min<long long>(wait_ms, std::max<long long>(1, s.idle_timeout->count())));
    // Re-reads of the layout allowed over the whole run, so a partition without a leader ends the run.
    constexpr int max_stale_retries = 100;
    int stale_retries = 0;
    auto reached_max = [&] { return s.max_messages && printed >= *s.max_messages; };
    while (!reached_max()) {
        bool got_any = false;
        for (int32_t p : partitions) {
            auto f = fetch_once(leaders.leader(p), s.topic, p, position[p], s.read_committed, wait_ms);
            if (is_stale_leader_error(f.error_code) && stale_retries++ < max_stale_retries) {
                std::this_thread::sleep_for(std::chrono::milliseconds(100));  // leadership moving: ask again
                leaders.refresh();
                continue;
            }
            if (f.error_code == 1) {  // OFFSET_OUT_OF_RANGE: auto.offset.reset, as a Kafka consumer
                int64_t reset = resolve(leaders, s, p, reset_earliest ? earliest : latest);
                err << "Offset " << position[p] << " is out of range for " << s.topic << "-" << p << ", resetting to "
                    << reset << ".\n";
                position[p] = reset;
                continue;
            }
            check_error(f.error_code, std::nullopt, "cannot fetch " + s.topic + "-" + std::to_string(p));
            // Past control batches and compacted gaps too, not only past printed records.
            int64_t next = std::max(position[p], f.next_offset);
            for (const auto& r : f.records) {
                if (reached_max()) {
                    next = r.record.offset;  // the rest is for the next run
                    break;
                }
                if (s.json) {
                    print_json_record(out, s.topic, p, r);
                } else {
                    print_record(out, p, r, s);
                }
                ++printed;
                got_any = true;
            }
            position[p] = next;
            if (reached_max()) break;
        }
        out.flush();
        auto now = std::chrono::steady_clock::now();
        if (got_any) last_record = now;
        // Commit about once a second, like a consumer's auto-commit, so an interrupted run loses little.
        if (s.group && got_any && now - last_commit >= std::chrono::seconds(1)) {
            commit_offsets(leaders.coordinator(*s.group), *s.group, s.topic, position);
            last_commit = now;
        }
        if (s.idle_timeout && now - last_record >= *s.idle_timeout) break;
    }
    if (s.group) commit_offsets(leaders.coordinator(*s.group), *s.group, s.topic, position);
    err << "Processed a total of " << printed << " messages\n";
    return printed;
}

}  // namespace sluice::tools

#include "broker/http/key_records.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "broker/broker.h"
#include "broker/http/console/api_support.h"
#include "broker/http/console/records.h"
#include "broker/net/page_residency.h"
#include "broker/topics/topic_registry.h"
#include "log/key_corrections.h"
#include "log/key_read.h"
#include "log/partition_log.h"
#include "protocol/murmur2.h"

namespace sluice::broker::http {

namespace json = boost::json;
using console::api_error;
using protocol::error_code;

namespace {

answer bad_request(std::string_view why) { return api_error(400, error_code::invalid_request, why); }

}  // namespace

int32_t default_partition(std::string_view key, int32_t partitions) {
    return protocol::partition_for_key(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(key.data()), key.size()), partitions);
}

std::variant<key_partition, answer> find_key_partition(broker& b, const std::string& topic, const std::string& key,
                                                       std::optional<int32_t> partition) {
    topic_state* t = b.topics().find(topic);
    if (t == nullptr || t->partitions.empty()) {
        return api_error(error_code::unknown_topic_or_partition, "Topic " + topic + " does not exist.");
    }
    if (!t->settings.storage.key_index) {
        return bad_request("Topic " + topic + " has no key index (sluice.key.index.enable=false).");
    }
    const auto count = static_cast<int32_t>(t->partitions.size());
    const int32_t index = partition.value_or(default_partition(key, count));
    if (index >= count) {
        return api_error(error_code::unknown_topic_or_partition,
                         "Partition " + topic + "-" + std::to_string(index) + " does not exist.");
    }
    return key_partition{t, index, t->partitions[static_cast<size_t>(index)].get()};
}

std::variant<key_path, answer> parse_key_path(std::string_view target) {
    std::string error;
    auto parsed = console::parse_api_target(target, error, "/v1/");
    if (!parsed) {
        const std::string_view path = target.substr(0, target.find('?'));
        if (!path.starts_with("/v1/") || path == "/v1/")
            return api_error(404, error_code::invalid_request, "no such API path");
        return bad_request(error);
    }
    const auto& seg = parsed->segments;
    if (seg.size() != 5 || seg[0] != "topics" || seg[2] != "keys" || seg[4] != "records") {
        return api_error(404, error_code::invalid_request, "no such API path");
    }
    key_path out;
    out.topic = seg[1];
    out.key = seg[3];
    out.query = std::move(parsed->query);
    if (auto it = out.query.find("partition"); it != out.query.end()) {
        auto v = console::parse_int(it->second, 0, INT32_MAX);
        if (!v) return bad_request("partition must be a partition number");
        out.partition = static_cast<int32_t>(*v);
        out.query.erase(it);
    }
    return out;
}

std::variant<key_request, answer> parse_key_request(std::string_view method, std::string_view target) {
    auto path = parse_key_path(target);
    if (auto* refused = std::get_if<answer>(&path)) return std::move(*refused);
    if (method != "GET") return console::method_not_allowed("GET, POST");
    auto& p = std::get<key_path>(path);
    key_request r;
    r.topic = std::move(p.topic);
    r.key = std::move(p.key);
    r.partition = p.partition;
    for (const auto& [name, value] : p.query) {
        if (name == "from_offset") {
            auto v = console::parse_int(value, 0, INT64_MAX);
            if (!v) return bad_request("from_offset must be a non-negative offset");
            r.from_offset = *v;
        } else if (name == "limit") {
            auto v = console::parse_int(value, 1, key_records_max_limit);
            if (!v) return bad_request("limit must be 1.." + std::to_string(key_records_max_limit));
            r.limit = *v;
        } else if (name == "order") {
            if (value != "oldest" && value != "newest") return bad_request("order must be oldest or newest");
            r.newest_first = value == "newest";
        } else if (name == "format") {
            if (value != "json" && value != "ndjson") return bad_request("format must be json or ndjson");
            r.ndjson = value == "ndjson";
        } else if (name == "follow") {
            if (value != "true" && value != "false") return bad_request("follow must be true or false");
            r.follow = value == "true";
        } else if (name == "view") {
            if (value != "raw" && value != "corrected") return bad_request("view must be raw or corrected");
            r.corrected = value == "corrected";
        } else {
            return bad_request("unknown parameter " + name);
        }
    }
    return r;
}

namespace {

json::object shown_json(const log::corrected_record& r) {
    json::object o = console::record_json(r.record.record, r.record.log_append_time);
    if (r.corrects >= 0) o["corrects"] = r.corrects;
    return o;
}

// The records to show: as read (raw), or the corrected view of an oldest
// first scan, in the order and number asked for.
std::vector<log::corrected_record> shown_records(const key_request& q, log::key_read_result& read) {
    std::vector<log::corrected_record> out;
    if (!q.corrected) {
        for (auto& r : read.records)
            out.push_back({std::move(r), -1});
        return out;
    }
    out = log::corrected_view(std::move(read.records));
    const auto limit = static_cast<size_t>(q.limit);
    if (out.size() > limit) {
        read.more = true;
        if (q.newest_first) {
            out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(limit));
        } else {
            out.resize(limit);
        }
    }
    if (q.newest_first) std::reverse(out.begin(), out.end());
    return out;
}

answer render(const key_request& q, int32_t partition, int64_t log_start, int64_t hw, log::key_read_result read) {
    if (read.error != error_code::none) return api_error(read.error, "Reading the log failed.");
    const std::vector<log::corrected_record> shown = shown_records(q, read);
    answer a;
    if (q.ndjson) {
        a.content_type = "application/x-ndjson";
        for (const auto& r : shown) {
            a.body += json::serialize(shown_json(r));
            a.body += '\n';
        }
        return a;
    }
    json::array records;
    for (const auto& r : shown)
        records.push_back(shown_json(r));
    json::object out;
    out["topic"] = q.topic;
    out["partition"] = partition;
    out["key"] = console::bytes_json(std::string_view(q.key));
    out["order"] = q.newest_first ? "newest" : "oldest";
    out["view"] = q.corrected ? "corrected" : "raw";
    out["log_start_offset"] = log_start;
    out["high_watermark"] = hw;
    out["more"] = read.more;
    // Where the next page starts (oldest first).
    if (read.next_offset >= 0) {
        out["next_offset"] = read.next_offset;
    } else {
        out["next_offset"] = nullptr;
    }
    out["records"] = std::move(records);
    return console::json_answer(200, out);
}

}  // namespace

void serve_key_records(broker& b, std::string_view method, std::string_view target, routes::reply_fn reply) {
    auto parsed = parse_key_request(method, target);
    if (auto* refused = std::get_if<answer>(&parsed)) return reply(std::move(*refused));
    key_request q = std::move(std::get<key_request>(parsed));

    auto found = find_key_partition(b, q.topic, q.key, q.partition);
    if (auto* refused = std::get_if<answer>(&found)) return reply(std::move(*refused));
    const int32_t partition = std::get<key_partition>(found).index;
    const partition_state& p = *std::get<key_partition>(found).state;
    if (p.log == nullptr) {
        return reply(api_error(error_code::not_leader_or_follower, "Broker " + std::to_string(b.config().node_id) +
                                                                       " holds no replica of " + q.topic + "-" +
                                                                       std::to_string(partition) + "."));
    }
    const log::partition_log& log = *p.log;
    const int64_t hw = log.high_watermark(), log_start = log.log_start_offset();
    if (q.from_offset > hw) {
        return reply(api_error(error_code::offset_out_of_range, "from_offset " + std::to_string(q.from_offset) +
                                                                    " is past the high watermark " +
                                                                    std::to_string(hw) + "."));
    }
    log::key_read_options options;
    options.from_offset = q.from_offset;
    options.max_offset = hw;
    options.limit = static_cast<size_t>(q.limit);
    options.newest_first = q.newest_first;
    if (q.corrected) {
        // One oldest-first scan: a correction must be seen after its original.
        options.limit = static_cast<size_t>(key_records_max_limit);
        options.newest_first = false;
    }
    options.max_bytes = key_records_max_read_bytes;
    const auto key_of = [](const std::string& k) {
        return protocol::bytes_view(reinterpret_cast<const uint8_t*>(k.data()), k.size());
    };
    auto plan = std::make_shared<log::key_read_plan>(log::plan_key_read(log, key_of(q.key), options));
    if (plan->error != error_code::none) return reply(api_error(plan->error, "Reading the log failed."));
    std::vector<protocol::file_slice> cold;
    for (const auto& batch : plan->batches) {
        if (page_residency(batch.slice.fd, batch.slice.offset, batch.slice.length) == residency::missing) {
            cold.push_back(batch.slice);
        }
    }
    auto finish = [plan, q = std::move(q), partition, log_start, hw, reply = std::move(reply), key_of]() {
        const bool newest_first = q.newest_first && !q.corrected;
        reply(render(q, partition, log_start, hw, log::read_planned(*plan, key_of(q.key), newest_first)));
    };
    if (cold.empty()) return finish();
    b.warm_page_cache(std::move(cold), std::move(finish));
}

}  // namespace sluice::broker::http

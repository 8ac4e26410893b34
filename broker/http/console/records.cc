#include "broker/http/console/records.h"

#include <unistd.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <string_view>

#include "broker/broker.h"
#include "broker/http/console/api_support.h"
#include "broker/http/console/peers.h"
#include "broker/topics/topic_registry.h"
#include "log/partition_log.h"

namespace sluice::broker::http::console {

namespace json = boost::json;
using protocol::error_code;

namespace {

std::optional<std::string_view> view_of(const std::optional<protocol::bytes>& b) {
    if (!b) return std::nullopt;
    return std::string_view(reinterpret_cast<const char*>(b->data()), b->size());
}

// The slices' bytes, read with pread (false on a short read).
bool read_slices(const log::read_result& r, std::vector<uint8_t>& out) {
    out.clear();
    out.reserve(r.bytes);
    for (const auto& s : r.slices) {
        const size_t at = out.size();
        out.resize(at + s.length);
        size_t done = 0;
        while (done < s.length) {
            const ssize_t n =
                ::pread(s.fd, out.data() + at + done, s.length - done, static_cast<off_t>(s.offset + done));
            if (n <= 0) return false;
            done += static_cast<size_t>(n);
        }
    }
    return true;
}

}  // namespace

std::optional<record_query> parse_record_query(const std::map<std::string, std::string, std::less<>>& query,
                                               std::string& error) {
    auto fail = [&error](std::string why) -> std::optional<record_query> {
        error = std::move(why);
        return std::nullopt;
    };
    record_query q;
    int starts = 0;
    for (const auto& [name, value] : query) {
        if (name == "offset" || name == "timestamp") {
            auto v = parse_int(value, 0, INT64_MAX);
            if (!v)
                return fail(name == "offset" ? "offset must be a non-negative integer"
                                             : "timestamp must be milliseconds since the epoch");
            q.from = name == "offset" ? record_query::start::offset : record_query::start::timestamp;
            q.value = *v;
            ++starts;
        } else if (name == "from") {
            if (value != "end" && value != "beginning") return fail("from must be end or beginning");
            q.from = value == "end" ? record_query::start::end : record_query::start::beginning;
            ++starts;
        } else if (name == "limit") {
            auto v = parse_int(value, 1, max_limit);
            if (!v) return fail("limit must be 1.." + std::to_string(max_limit));
            q.limit = static_cast<int32_t>(*v);
        } else {
            return fail("unknown parameter " + name);
        }
    }
    if (starts > 1) return fail("give one of offset, timestamp and from");
    return q;
}

json::object record_json(const protocol::record& r, bool log_append_time) {
    json::object o;
    o["offset"] = r.offset;
    o["timestamp"] = r.timestamp;
    o["timestamp_type"] = log_append_time ? "LogAppendTime" : "CreateTime";
    o["key"] = bytes_json(view_of(r.key));
    o["value"] = bytes_json(view_of(r.value));
    json::array headers;
    for (const auto& [k, v] : r.headers) {
        json::object h;
        h["key"] = bytes_json(std::string_view(k));
        h["value"] = bytes_json(view_of(v));
        headers.push_back(std::move(h));
    }
    o["headers"] = std::move(headers);
    return o;
}

answer records_view(broker& b, const std::string& topic, int32_t partition, const record_query& q) {
    if (auto refused = not_leader(b, topic, partition)) return std::move(*refused);
    const log::partition_log& log = *b.topics().find(topic, partition)->log;
    const int64_t start_offset = log.log_start_offset(), hw = log.high_watermark();
    int64_t from = start_offset;
    switch (q.from) {
        case record_query::start::beginning:
            break;
        case record_query::start::end:
            from = std::max(start_offset, hw - q.limit);
            break;
        case record_query::start::timestamp: {
            auto found = log.offset_for_timestamp(q.value);
            from = found ? std::max(found->offset, start_offset) : hw;
            break;
        }
        case record_query::start::offset:
            if (q.value < start_offset || q.value > hw) {
                return api_error(error_code::offset_out_of_range, "Offset " + std::to_string(q.value) +
                                                                      " is outside [" + std::to_string(start_offset) +
                                                                      ", " + std::to_string(hw) + "].");
            }
            from = q.value;
            break;
    }
    json::array records;
    int64_t next = std::min(from, hw);
    size_t budget = max_read_bytes;
    std::vector<uint8_t> buffer;
    while (next < hw && records.size() < static_cast<size_t>(q.limit) && budget > 0) {
        log::read_result r = log.read(next, budget, hw, true);
        if (r.error != error_code::none || r.slices.empty()) break;
        if (!read_slices(r, buffer)) return api_error(error_code::kafka_storage_error, "Reading the log failed.");
        budget -= std::min(budget, buffer.size());
        protocol::batch_iterator batches(protocol::bytes_view(buffer.data(), buffer.size()));
        const int64_t before = next;
        while (auto batch = batches.next()) {
            auto header = protocol::read_batch_header(*batch);
            if (!header || header->magic != protocol::current_magic) break;
            if (header->is_control()) {
                next = std::max(next, header->last_offset() + 1);
                continue;
            }
            std::vector<protocol::record> decoded;
            if (protocol::decode_records(*batch, decoded) != error_code::none) {
                return api_error(error_code::corrupt_message,
                                 "A batch at offset " + std::to_string(header->base_offset) + " cannot be decoded.");
            }
            for (const auto& rec : decoded) {
                if (rec.offset < next || rec.offset >= hw) continue;
                if (records.size() >= static_cast<size_t>(q.limit)) break;
                records.push_back(record_json(rec, header->log_append_time()));
                next = rec.offset + 1;
            }
            if (records.size() >= static_cast<size_t>(q.limit)) break;
            // Past the whole batch (compaction may leave gaps inside it).
            next = std::max(next, std::min(hw, header->last_offset() + 1));
        }
        if (next == before) break;  // nothing decodable: do not spin
    }
    json::object out;
    out["topic"] = topic;
    out["partition"] = partition;
    out["log_start_offset"] = start_offset;
    out["high_watermark"] = hw;
    out["next_offset"] = next;
    out["records"] = std::move(records);
    return json_answer(200, out);
}

}  // namespace sluice::broker::http::console

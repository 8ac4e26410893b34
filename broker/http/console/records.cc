#include "broker/http/console/records.h"

#include <unistd.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "broker/broker.h"
#include "broker/http/console/api_support.h"
#include "broker/http/console/peers.h"
#include "broker/net/page_residency.h"
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

namespace {

// One message-browser read, step by step on the I/O thread. No step waits
// for the disk: batch headers are read only from the page cache (a miss
// sends their range to the page cache warmer and the step is tried again),
// and batches that are not resident are read in by the warmer before they
// are read here. After a few rounds of misses (data evicted again at once)
// the reads may wait, so a read always ends.
class records_read : public std::enable_shared_from_this<records_read> {
public:
    records_read(broker& b, std::string topic, int32_t partition, record_query q, routes::reply_fn reply)
        : b_(b), topic_(std::move(topic)), partition_(partition), q_(q), reply_(std::move(reply)) {}

    void step() {
        // The partition may have been deleted, or moved, while pages were read in.
        if (auto refused = not_leader(b_, topic_, partition_)) return reply_(std::move(*refused));
        const log::partition_log& log = *b_.topics().find(topic_, partition_)->log;
        const bool wait = misses_ >= max_miss_rounds;
        if (!started_) {
            std::optional<answer> refused;
            std::optional<protocol::file_slice> cold;
            if (!start(log, wait ? nullptr : &cold, refused)) {
                if (refused) return reply_(std::move(*refused));
                return warm({std::move(*cold)});
            }
            started_ = true;
        }
        if (next_ >= hw_ || records_.size() >= static_cast<size_t>(q_.limit) || budget_ == 0) return finish();
        auto r = log.read_for_fetch(next_, budget_, hw_, true, wait);
        if (r.cold) return warm({std::move(*r.cold)});
        if (r.error != error_code::none || r.slices.empty()) return finish();
        std::vector<protocol::file_slice> missing;
        if (!wait) {
            for (const auto& s : r.slices) {
                if (page_residency(s.fd, s.offset, s.length) == residency::missing) missing.push_back(s);
            }
        }
        if (!missing.empty()) return warm(std::move(missing));
        if (!read_slices(r, buffer_)) {
            return reply_(api_error(error_code::kafka_storage_error, "Reading the log failed."));
        }
        budget_ -= std::min(budget_, buffer_.size());
        const int64_t before = next_;
        if (auto refused = decode()) return reply_(std::move(*refused));
        if (next_ == before) return finish();  // nothing decodable: do not spin
        misses_ = 0;
        step();
    }

private:
    static constexpr int max_miss_rounds = 4;

    // Where the read starts; false with `cold` set when the lookup by
    // timestamp needs pages read in, or with `refused`.
    bool start(const log::partition_log& log, std::optional<protocol::file_slice>* cold,
               std::optional<answer>& refused) {
        start_offset_ = log.log_start_offset();
        hw_ = log.high_watermark();
        int64_t from = start_offset_;
        switch (q_.from) {
            case record_query::start::beginning:
                break;
            case record_query::start::end:
                from = std::max(start_offset_, hw_ - q_.limit);
                break;
            case record_query::start::timestamp: {
                auto found = log.offset_for_timestamp(q_.value, cold);
                if (cold != nullptr && cold->has_value()) return false;
                from = found ? std::max(found->offset, start_offset_) : hw_;
                break;
            }
            case record_query::start::offset:
                if (q_.value < start_offset_ || q_.value > hw_) {
                    refused = api_error(error_code::offset_out_of_range,
                                        "Offset " + std::to_string(q_.value) + " is outside [" +
                                            std::to_string(start_offset_) + ", " + std::to_string(hw_) + "].");
                    return false;
                }
                from = q_.value;
                break;
        }
        next_ = std::min(from, hw_);
        return true;
    }

    void warm(std::vector<protocol::file_slice> cold) {
        ++misses_;
        b_.warm_page_cache(std::move(cold), [self = shared_from_this()] { self->step(); });
    }

    // The batches read into buffer_: their records from next_ on, below the
    // high watermark, control batches left out.
    std::optional<answer> decode() {
        protocol::batch_iterator batches(protocol::bytes_view(buffer_.data(), buffer_.size()));
        const auto limit = static_cast<size_t>(q_.limit);
        while (auto batch = batches.next()) {
            auto header = protocol::read_batch_header(*batch);
            if (!header || header->magic != protocol::current_magic) break;
            if (header->is_control()) {
                next_ = std::max(next_, header->last_offset() + 1);
                continue;
            }
            std::vector<protocol::record> decoded;
            if (protocol::decode_records(*batch, decoded) != error_code::none) {
                return api_error(error_code::corrupt_message,
                                 "A batch at offset " + std::to_string(header->base_offset) + " cannot be decoded.");
            }
            for (const auto& rec : decoded) {
                if (rec.offset < next_ || rec.offset >= hw_) continue;
                if (records_.size() >= limit) break;
                records_.push_back(record_json(rec, header->log_append_time()));
                next_ = rec.offset + 1;
            }
            if (records_.size() >= limit) break;
            // Past the whole batch (compaction may leave gaps inside it).
            next_ = std::max(next_, std::min(hw_, header->last_offset() + 1));
        }
        return std::nullopt;
    }

    void finish() {
        json::object out;
        out["topic"] = topic_;
        out["partition"] = partition_;
        out["log_start_offset"] = start_offset_;
        out["high_watermark"] = hw_;
        out["next_offset"] = next_;
        out["records"] = std::move(records_);
        reply_(json_answer(200, out));
    }

    broker& b_;
    const std::string topic_;
    const int32_t partition_;
    const record_query q_;
    routes::reply_fn reply_;
    bool started_ = false;
    int misses_ = 0;
    int64_t start_offset_ = 0;
    int64_t hw_ = 0;
    int64_t next_ = 0;
    size_t budget_ = max_read_bytes;
    json::array records_;
    std::vector<uint8_t> buffer_;
};

}  // namespace

void read_records(broker& b, const std::string& topic, int32_t partition, const record_query& q,
                  routes::reply_fn reply) {
    std::make_shared<records_read>(b, topic, partition, q, std::move(reply))->step();
}

}  // namespace sluice::broker::http::console

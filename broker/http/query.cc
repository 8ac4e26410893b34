#include "broker/http/query.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <memory>
#include <unordered_map>

#include "broker/broker.h"
#include "broker/http/console/api_support.h"
#include "broker/http/console/records.h"
#include "broker/http/key_records.h"
#include "broker/http/query_filter.h"
#include "broker/net/page_residency.h"
#include "broker/topics/partition_ref.h"
#include "broker/topics/topic_registry.h"
#include "log/key_read.h"
#include "log/partition_log.h"

namespace sluice::broker::http {

namespace json = boost::json;
using console::api_error;
using protocol::error_code;

namespace {

constexpr size_t step_bytes = 256 << 10;
constexpr size_t key_step_records = 500;
// The client's unread answer past which the query waits; also where a step
// stops emitting (compressed batches can decode to far more than they read).
constexpr size_t pause_queued = 1 << 20;

answer bad_request(std::string_view why) { return api_error(400, error_code::invalid_request, why); }

// A positive int64 broker property (validated at startup, also when set dynamically).
uint64_t bytes_property(broker& b, std::string_view name, uint64_t fallback) {
    auto v = console::parse_int(b.config().value_of(name).value_or(""), 1, INT64_MAX);
    return v ? static_cast<uint64_t>(*v) : fallback;
}

protocol::bytes_view bytes_of(const std::string& s) {
    return protocol::bytes_view(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

bool pread_all(int fd, uint8_t* out, size_t length, uint64_t offset) {
    size_t done = 0;
    while (done < length) {
        const ssize_t n = ::pread(fd, out + done, length - done, static_cast<off_t>(offset + done));
        if (n <= 0) return false;
        done += static_cast<size_t>(n);
    }
    return true;
}

bool aborted(const std::vector<log::aborted_txn>& txns, int64_t producer_id, int64_t offset) {
    return std::any_of(txns.begin(), txns.end(), [&](const log::aborted_txn& t) {
        return t.producer_id == producer_id && t.first_offset <= offset && offset <= t.last_offset;
    });
}

std::vector<protocol::file_slice> cold_of(const std::vector<protocol::file_slice>& slices) {
    std::vector<protocol::file_slice> cold;
    for (const auto& s : slices) {
        if (page_residency(s.fd, s.offset, s.length) == residency::missing) cold.push_back(s);
    }
    return cold;
}

struct partition_cursor {
    int32_t partition = 0;
    partition_ref ref;
    int64_t next = 0;
    int64_t upper = 0;              // exclusive
    // Where reads stop: the last stable offset when the query began, a batch
    // boundary. `upper` (to_offset) may fall inside a batch, which a read
    // bounded by it would leave out whole.
    int64_t stable = 0;
    std::vector<std::string> keys;  // read through the key index (keys on an indexed topic)
};

class query_run : public std::enable_shared_from_this<query_run> {
public:
    query_run(broker& b, query_filter f, std::vector<partition_cursor> parts, bool use_index, uint64_t max_bytes)
        : b_(b),
          f_(std::move(f)),
          parts_(std::move(parts)),
          use_index_(use_index),
          max_bytes_(max_bytes),
          pause_(b.io()) {}

    void start(const std::shared_ptr<event_sink>& sink) {
        sink_ = sink;
        sink->keep(shared_from_this());
        step();
    }

private:
    void post_step() {
        boost::asio::post(b_.io(), [self = shared_from_this()] { self->step(); });
    }

    // Waits for the page cache warmer, then goes on with `then` on the I/O thread.
    void after_warming(std::vector<protocol::file_slice> cold, std::function<void()> then) {
        if (cold.empty()) return then();
        b_.warm_page_cache(std::move(cold), std::move(then));
    }

    void step() {
        auto sink = sink_.lock();
        if (!sink || done_) return;
        if (sink->queued() > pause_queued) {
            pause_.expires_after(std::chrono::milliseconds(20));
            pause_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
                if (!ec) self->step();
            });
            return;
        }
        while (current_ < parts_.size() &&
               (parts_[current_].next >= parts_[current_].upper || (use_index_ && parts_[current_].keys.empty()))) {
            ++current_;
        }
        if (current_ == parts_.size()) return finish(nullptr);
        if (records_ >= static_cast<uint64_t>(f_.limit)) return finish("limit");
        if (scanned_ >= max_bytes_) return finish("max_bytes_scanned");
        partition_cursor& c = parts_[current_];
        partition_state* p = find_live(b_.topics(), c.ref);
        if (p == nullptr || p->log == nullptr) {
            return fail(error_code::unknown_topic_or_partition,
                        "Partition " + f_.topic + "-" + std::to_string(c.partition) + " is gone.");
        }
        const log::partition_log& log = *p->log;
        if (c.next < log.log_start_offset()) c.next = log.log_start_offset();  // retention moved on meanwhile
        if (c.next >= c.upper) return post_step();
        auto txns = log.aborted_transactions(c.next, c.upper);
        if (use_index_) return key_step(log, c, std::move(txns));
        scan_step(log, c, std::move(txns));
    }

    // Every batch from c.next: read, decode, filter.
    void scan_step(const log::partition_log& log, partition_cursor& c, std::vector<log::aborted_txn> txns) {
        const size_t budget = static_cast<size_t>(std::min<uint64_t>(step_bytes, max_bytes_ - scanned_));
        auto read = log.read_for_fetch(c.next, budget, c.stable, true, false);
        if (read.cold) {
            return after_warming({*read.cold}, [self = shared_from_this()] { self->step(); });
        }
        if (read.error != error_code::none) return fail(read.error, "Reading the log failed.");
        if (read.slices.empty()) {
            c.next = c.upper;
            return post_step();
        }
        auto slices = std::make_shared<std::vector<protocol::file_slice>>(std::move(read.slices));
        after_warming(cold_of(*slices), [self = shared_from_this(), slices, txns = std::move(txns)] {
            self->decode_scanned(*slices, txns);
        });
    }

    void decode_scanned(const std::vector<protocol::file_slice>& slices, const std::vector<log::aborted_txn>& txns) {
        if (done_) return;
        partition_cursor& c = parts_[current_];
        protocol::bytes buffer;
        for (const auto& s : slices) {
            const size_t at = buffer.size();
            buffer.resize(at + s.length);
            if (!pread_all(s.fd, buffer.data() + at, s.length, s.offset))
                return fail(error_code::kafka_storage_error, "Reading the log failed.");
        }
        const int64_t before = c.next;
        protocol::batch_iterator batches(protocol::bytes_view(buffer.data(), buffer.size()));
        // Whole batches only: a fetch read may end inside one, read again next step.
        auto count_scanned = [&] { scanned_ += batches.consumed(); };
        std::vector<protocol::record> decoded;
        while (auto batch = batches.next()) {
            auto header = protocol::read_batch_header(*batch);
            if (!header || header->magic != protocol::current_magic) break;
            const int64_t past = std::min(c.upper, header->last_offset() + 1);
            if (header->is_control() ||
                (header->is_transactional() && aborted(txns, header->producer_id, header->base_offset))) {
                c.next = std::max(c.next, past);
                continue;
            }
            decoded.clear();
            if (protocol::decode_records(*batch, decoded) != error_code::none) {
                count_scanned();
                return fail(error_code::corrupt_message,
                            "The batch at offset " + std::to_string(header->base_offset) + " cannot be decoded.");
            }
            for (const auto& r : decoded) {
                if (r.offset < c.next || r.offset >= c.upper || !matches(f_, r)) continue;
                emit(c.partition, r, header->log_append_time());
                if (records_ >= static_cast<uint64_t>(f_.limit) || out_.size() >= pause_queued) {
                    c.next = r.offset + 1;
                    count_scanned();
                    flush();
                    return post_step();
                }
            }
            c.next = std::max(c.next, past);
        }
        count_scanned();
        flush();
        if (c.next == before) {
            return fail(error_code::corrupt_message, "No batch at offset " + std::to_string(c.next) + " can be read.");
        }
        post_step();
    }

    // The cursor's keys through the key index: every key from c.next, up to
    // where the first of them was cut (so records come out in offset order).
    void key_step(const log::partition_log& log, partition_cursor& c, std::vector<log::aborted_txn> txns) {
        const uint64_t budget = std::min<uint64_t>(step_bytes, max_bytes_ - scanned_);
        log::key_read_options options;
        options.from_offset = c.next;
        options.max_offset = c.upper;
        options.limit = std::min<size_t>(key_step_records, static_cast<size_t>(f_.limit) - records_);
        options.max_bytes = std::max<size_t>(1, budget / c.keys.size());
        auto plans = std::make_shared<std::vector<log::key_read_plan>>();
        int64_t bound = c.upper;
        std::vector<protocol::file_slice> slices;
        for (const auto& key : c.keys) {
            plans->push_back(log::plan_key_read(log, bytes_of(key), options));
            const auto& plan = plans->back();
            if (plan.error != error_code::none) return fail(plan.error, "Reading the key index failed.");
            if (plan.more) {
                if (plan.next_offset <= c.next)
                    return fail(error_code::unknown_server_error, "A key read made no progress.");
                bound = std::min(bound, plan.next_offset);
            }
            for (const auto& batch : plan.batches)
                slices.push_back(batch.slice);
        }
        after_warming(cold_of(slices), [self = shared_from_this(), plans, bound, txns = std::move(txns)] {
            self->decode_keys(*plans, bound, txns);
        });
    }

    void decode_keys(const std::vector<log::key_read_plan>& plans, int64_t bound,
                     const std::vector<log::aborted_txn>& txns) {
        if (done_) return;
        partition_cursor& c = parts_[current_];
        std::vector<log::key_record> found;
        for (size_t i = 0; i < plans.size(); ++i) {
            auto read = log::read_planned(plans[i], bytes_of(c.keys[i]), false);
            if (read.error != error_code::none) return fail(read.error, "Reading the log failed.");
            scanned_ += read.bytes_read;
            // read_committed: the producer of each record, from its batch header.
            std::unordered_map<int64_t, int64_t> transactional_producer;
            if (!txns.empty()) {
                for (const auto& batch : plans[i].batches) {
                    std::array<uint8_t, protocol::batch_header_size> head{};
                    if (batch.header) {
                        head = *batch.header;
                    } else if (!pread_all(batch.slice.fd, head.data(), head.size(), batch.slice.offset)) {
                        return fail(error_code::kafka_storage_error, "Reading the log failed.");
                    }
                    auto header = protocol::read_batch_header(protocol::bytes_view(head.data(), head.size()));
                    if (!header || !header->is_transactional()) continue;
                    for (int64_t o : batch.wanted)
                        transactional_producer[o] = header->producer_id;
                }
            }
            for (auto& r : read.records) {
                if (r.record.offset >= bound) continue;
                auto it = transactional_producer.find(r.record.offset);
                if (it != transactional_producer.end() && aborted(txns, it->second, r.record.offset)) continue;
                found.push_back(std::move(r));
            }
        }
        std::sort(found.begin(), found.end(),
                  [](const log::key_record& x, const log::key_record& y) { return x.record.offset < y.record.offset; });
        for (const auto& r : found) {
            if (r.record.offset < c.next || !matches(f_, r.record)) continue;
            emit(c.partition, r.record, r.log_append_time);
            if (records_ >= static_cast<uint64_t>(f_.limit) || out_.size() >= pause_queued) {
                c.next = r.record.offset + 1;
                flush();
                return post_step();
            }
        }
        c.next = bound;
        flush();
        post_step();
    }

    void emit(int32_t partition, const protocol::record& r, bool log_append_time) {
        json::object o = console::record_json(r, log_append_time);
        o["partition"] = partition;
        out_ += json::serialize(o);
        out_ += '\n';
        ++records_;
    }

    void flush() {
        if (out_.empty()) return;
        if (auto sink = sink_.lock()) sink->send(std::move(out_));
        out_.clear();
    }

    json::object next_offsets() const {
        json::object next;
        for (size_t i = current_; i < parts_.size(); ++i) {
            const auto& c = parts_[i];
            if (c.next < c.upper && !(use_index_ && c.keys.empty())) next[std::to_string(c.partition)] = c.next;
        }
        return next;
    }

    // The summary line, then the end of the answer. `reason` null: complete.
    void finish(const char* reason, json::object extra = {}) {
        flush();
        done_ = true;
        json::object s;
        s["records"] = records_;
        s["scanned_bytes"] = scanned_;
        s["truncated"] = reason != nullptr;
        if (reason != nullptr) {
            s["reason"] = reason;
        } else {
            s["reason"] = nullptr;
        }
        s["next"] = next_offsets();
        for (auto& [k, v] : extra)
            s[k] = v;
        json::object line;
        line["summary"] = std::move(s);
        if (auto sink = sink_.lock()) {
            sink->send(json::serialize(line) + "\n");
            sink->finish();
        }
    }

    void fail(error_code e, const std::string& message) {
        json::object extra;
        extra["error"] = protocol::error_name(e);
        extra["message"] = message;
        finish("error", std::move(extra));
    }

    broker& b_;
    const query_filter f_;
    std::vector<partition_cursor> parts_;
    const bool use_index_;
    const uint64_t max_bytes_;
    size_t current_ = 0;
    uint64_t records_ = 0;
    uint64_t scanned_ = 0;
    bool done_ = false;
    std::string out_;
    std::weak_ptr<event_sink> sink_;
    boost::asio::steady_timer pause_;
};

}  // namespace

void serve_query(broker& b, std::string_view method, std::string body, routes::reply_fn reply) {
    if (method != "POST") return reply(console::method_not_allowed("POST"));
    auto parsed = parse_query_filter(body);
    if (auto* why = std::get_if<std::string>(&parsed)) return reply(bad_request(*why));
    query_filter f = std::move(std::get<query_filter>(parsed));

    const uint64_t cap = bytes_property(b, "sluice.http.query.max.bytes.scanned.limit", 1ULL << 30);
    const uint64_t max_bytes = f.max_bytes_scanned.value_or(
        std::min(cap, bytes_property(b, "sluice.http.query.max.bytes.scanned", 64ULL << 20)));
    if (max_bytes > cap) {
        return reply(api_error(error_code::policy_violation, "Too broad: max_bytes_scanned may be at most " +
                                                                 std::to_string(cap) +
                                                                 " (sluice.http.query.max.bytes.scanned.limit)."));
    }
    topic_state* t = b.topics().find(f.topic);
    if (t == nullptr || t->partitions.empty()) {
        return reply(api_error(error_code::unknown_topic_or_partition, "Topic " + f.topic + " does not exist."));
    }
    const bool use_index = !f.keys.empty() && t->settings.storage.key_index;
    if (!f.keys.empty() && !use_index && !f.allow_scan) {
        return reply(bad_request("Topic " + f.topic +
                                 " has no key index (sluice.key.index.enable=false): give \"allow_scan\": true to "
                                 "scan it for the keys."));
    }
    const auto count = static_cast<int32_t>(t->partitions.size());
    std::vector<int32_t> partitions;
    if (f.partitions) {
        partitions = *f.partitions;
    } else if (!f.keys.empty()) {
        for (const auto& k : f.keys)
            partitions.push_back(default_partition(k, count));
        std::sort(partitions.begin(), partitions.end());
        partitions.erase(std::unique(partitions.begin(), partitions.end()), partitions.end());
    } else {
        for (int32_t i = 0; i < count; ++i)
            partitions.push_back(i);
    }
    for (const auto& [p, offset] : f.resume) {
        if (p >= count) {
            return reply(api_error(error_code::unknown_topic_or_partition,
                                   "Partition " + f.topic + "-" + std::to_string(p) + " does not exist."));
        }
    }
    if (!f.resume.empty()) {
        std::erase_if(partitions, [&](int32_t p) { return !f.resume.contains(p); });
    }
    std::vector<partition_cursor> cursors;
    for (int32_t index : partitions) {
        if (index >= count) {
            return reply(api_error(error_code::unknown_topic_or_partition,
                                   "Partition " + f.topic + "-" + std::to_string(index) + " does not exist."));
        }
        const partition_state& p = *t->partitions[static_cast<size_t>(index)];
        if (p.log == nullptr) {
            return reply(api_error(error_code::not_leader_or_follower, "Broker " + std::to_string(b.config().node_id) +
                                                                           " holds no replica of " + f.topic + "-" +
                                                                           std::to_string(index) + "."));
        }
        const log::partition_log& log = *p.log;
        partition_cursor c;
        c.partition = index;
        c.ref = ref_of(f.topic, p);
        c.stable = c.upper = log.last_stable_offset();
        if (f.to_offset) c.upper = std::min(c.upper, *f.to_offset);
        c.next = std::max(f.from_offset, log.log_start_offset());
        if (auto it = f.resume.find(index); it != f.resume.end()) c.next = std::max(c.next, it->second);
        if (f.event_time_from) {
            // Everything before the first record at or after `from` is older.
            auto first = log.offset_for_timestamp(*f.event_time_from);
            c.next = first ? std::max(c.next, first->offset) : c.upper;
        }
        if (!f.keys.empty() && use_index) {
            for (const auto& k : f.keys) {
                if (f.partitions || default_partition(k, count) == index) c.keys.push_back(k);
            }
        }
        cursors.push_back(std::move(c));
    }
    auto run = std::make_shared<query_run>(b, std::move(f), std::move(cursors), use_index, max_bytes);
    answer a;
    a.stream_type = "application/x-ndjson";
    a.stream = [run](std::shared_ptr<event_sink> sink) { run->start(sink); };
    reply(std::move(a));
}

}  // namespace sluice::broker::http

#include "broker/http/key_follow.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <memory>
#include <unordered_map>

#include "broker/broker.h"
#include "broker/fetch/fetch_waiter.h"
#include "broker/http/console/api_support.h"
#include "broker/http/console/records.h"
#include "broker/http/key_records.h"
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

constexpr size_t records_per_read = 1000;
constexpr size_t bytes_per_read = 4 << 20;

// Streams open per broker (a test process may run several). I/O thread only.
std::unordered_map<const broker*, int> open_streams;

answer bad_request(std::string_view why) { return api_error(400, error_code::invalid_request, why); }

class key_follower : public std::enable_shared_from_this<key_follower> {
public:
    key_follower(broker& b, partition_ref ref, std::string key, int64_t next)
        : b_(b), ref_(std::move(ref)), key_(std::move(key)), next_(next), keep_alive_(b.io()) {
        ++open_streams[&b_];
        waiter_.set_wake(&key_follower::on_wake, this);
    }
    ~key_follower() {
        if (--open_streams[&b_] == 0) open_streams.erase(&b_);
    }

    void start(const std::shared_ptr<event_sink>& sink) {
        sink_ = sink;
        sink->keep(shared_from_this());
        arm_keep_alive();
        pump();
    }

private:
    static void on_wake(void* context) {
        auto self = static_cast<key_follower*>(context)->shared_from_this();
        boost::asio::post(self->b_.io(), [self] { self->pump(); });
    }

    void arm_keep_alive() {
        keep_alive_.expires_after(std::chrono::seconds(keep_alive_seconds));
        keep_alive_.async_wait([w = weak_from_this()](boost::system::error_code ec) {
            auto self = w.lock();
            if (ec || !self) return;
            if (auto sink = self->sink_.lock()) sink->send(": keep-alive\n\n");
            self->arm_keep_alive();
        });
    }

    protocol::bytes_view key() const {
        return protocol::bytes_view(reinterpret_cast<const uint8_t*>(key_.data()), key_.size());
    }

    // Sends what is below the high watermark from next_, or parks until it moves.
    void pump() {
        auto sink = sink_.lock();
        if (!sink || reading_) return;
        partition_state* p = find_live(b_.topics(), ref_);
        if (p == nullptr || p->log == nullptr) return sink->close();
        const log::partition_log& log = *p->log;
        const int64_t hw = log.high_watermark();
        next_ = std::max(next_, log.log_start_offset());
        if (next_ >= hw) {
            p->waiters.add(waiter_);
            return;
        }
        log::key_read_options options;
        options.from_offset = next_;
        options.max_offset = hw;
        options.limit = records_per_read;
        options.max_bytes = bytes_per_read;
        auto plan = std::make_shared<log::key_read_plan>(log::plan_key_read(log, key(), options));
        if (plan->error != error_code::none) return sink->close();
        const int64_t next = plan->more && plan->next_offset >= 0 ? plan->next_offset : hw;
        std::vector<protocol::file_slice> cold;
        for (const auto& batch : plan->batches) {
            if (page_residency(batch.slice.fd, batch.slice.offset, batch.slice.length) == residency::missing) {
                cold.push_back(batch.slice);
            }
        }
        reading_ = true;
        auto finish = [w = weak_from_this(), plan, next] {
            auto self = w.lock();
            if (!self) return;
            self->reading_ = false;
            self->send(log::read_planned(*plan, self->key(), false), next);
        };
        if (cold.empty()) return finish();
        b_.warm_page_cache(std::move(cold), std::move(finish));
    }

    void send(const log::key_read_result& read, int64_t next) {
        auto sink = sink_.lock();
        if (!sink) return;
        if (read.error != error_code::none) return sink->close();
        for (const auto& r : read.records) {
            std::string event = "id: " + std::to_string(r.record.offset) + "\ndata: ";
            event += json::serialize(console::record_json(r.record, r.log_append_time));
            event += "\n\n";
            sink->send(std::move(event));
        }
        next_ = next;
        boost::asio::post(b_.io(), [self = shared_from_this()] { self->pump(); });
    }

    broker& b_;
    partition_ref ref_;
    std::string key_;
    int64_t next_;
    std::weak_ptr<event_sink> sink_;
    fetch_waiter waiter_;
    boost::asio::steady_timer keep_alive_;
    bool reading_ = false;
};

}  // namespace

void serve_key_follow(broker& b, std::string_view target, std::optional<std::string_view> last_event_id,
                      routes::reply_fn reply) {
    auto parsed = parse_key_request("GET", target);
    if (auto* refused = std::get_if<answer>(&parsed)) return reply(std::move(*refused));
    key_request q = std::move(std::get<key_request>(parsed));
    if (!q.follow) return serve_key_records(b, "GET", target, std::move(reply));
    if (q.newest_first || q.corrected || q.ndjson) {
        return reply(
            bad_request("follow=true streams the raw records oldest first: no order=newest, "
                        "view=corrected or format=ndjson"));
    }
    if (last_event_id) {
        auto id = console::parse_int(*last_event_id, 0, INT64_MAX - 1);
        if (!id) return reply(bad_request("Last-Event-ID must be the offset of a record sent"));
        q.from_offset = *id + 1;
    }
    auto found = find_key_partition(b, q.topic, q.key, q.partition);
    if (auto* refused = std::get_if<answer>(&found)) return reply(std::move(*refused));
    const int32_t partition = std::get<key_partition>(found).index;
    const partition_state& p = *std::get<key_partition>(found).state;
    if (p.log == nullptr) {
        return reply(api_error(error_code::not_leader_or_follower, "Broker " + std::to_string(b.config().node_id) +
                                                                       " holds no replica of " + q.topic + "-" +
                                                                       std::to_string(partition) + "."));
    }
    const int64_t hw = p.log->high_watermark();
    if (q.from_offset > hw) {
        return reply(api_error(error_code::offset_out_of_range, "from_offset " + std::to_string(q.from_offset) +
                                                                    " is past the high watermark " +
                                                                    std::to_string(hw) + "."));
    }
    if (auto it = open_streams.find(&b); it != open_streams.end() && it->second >= b.config().http_key_follow_max) {
        return reply(api_error(503, error_code::broker_not_available,
                               "Too many key streams on this broker (sluice.http.key.follow.max=" +
                                   std::to_string(b.config().http_key_follow_max) + ")."));
    }
    auto follower = std::make_shared<key_follower>(b, ref_of(q.topic, p), q.key, q.from_offset);
    answer a;
    a.stream = [follower](std::shared_ptr<event_sink> sink) { follower->start(sink); };
    reply(std::move(a));
}

}  // namespace sluice::broker::http

#include "tools/cli/perf_produce.h"

#include <sys/prctl.h>

#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "tools/cli/cli_error.h"
#include "tools/cli/perf_options.h"

namespace sluice::tools {

namespace {

// Random upper-case letters from a fixed seed, one payload for every message
// (as Kafka's producer-perf-test): compressible like text, same every run.
std::vector<char> make_payload(size_t size) {
    std::vector<char> payload(size);
    std::mt19937 rng(42);
    std::uniform_int_distribution<int> letter('A', 'Z');
    for (auto& c : payload) c = char(letter(rng));
    return payload;
}

std::vector<std::string> make_keys(uint64_t count) {
    std::vector<std::string> keys;
    keys.reserve(count);
    for (uint64_t i = 0; i < count; ++i) keys.push_back("key-" + std::to_string(i));
    return keys;
}

// Sleeps until `due_ns` (steady clock). The default 50 µs timer slack would
// make every paced send late by up to that much, which is then measured as
// latency; the caller sets the slack to 1 µs once per thread.
void sleep_until_ns(int64_t due_ns) {
    int64_t left = due_ns - now_ns();
    if (left > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(left));
}

}  // namespace

perf_producer::perf_producer(kafka_conf conf) {
    rd_kafka_conf_set_dr_msg_cb(conf.get(), &perf_producer::on_delivery);
    rd_kafka_conf_set_opaque(conf.get(), this);
    rk_ = make_handle(RD_KAFKA_PRODUCER, std::move(conf));
}

perf_producer::~perf_producer() {
    // Undelivered messages (an interrupted run) would otherwise make
    // rd_kafka_destroy wait for message.timeout.ms.
    if (rk_) rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
}

void perf_producer::on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
    auto* self = static_cast<perf_producer*>(opaque);
    int64_t now = now_ns();
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        // Not rd_kafka_message_errstr: for a delivery report it returns the payload.
        self->fail(std::string(rd_kafka_err2name(message->err)) + ": " + rd_kafka_err2str(message->err));
    } else {
        auto intended = int64_t(reinterpret_cast<intptr_t>(message->_private));
        self->latency_->record((now - intended) / 1000);
        self->bytes_.fetch_add(message->len + message->key_len, std::memory_order_relaxed);
        self->delivered_.fetch_add(1, std::memory_order_relaxed);
    }
    self->last_report_ns_.store(now, std::memory_order_relaxed);
}

void perf_producer::fail(const std::string& error) {
    {
        std::lock_guard lock(error_mutex_);
        if (first_error_.empty()) first_error_ = error;
    }
    failed_.fetch_add(1, std::memory_order_relaxed);
}

std::string perf_producer::first_error() const {
    std::lock_guard lock(error_mutex_);
    return first_error_;
}

double perf_producer::seconds() const {
    int64_t end = last_report_ns_.load();
    return end > start_ns_ ? double(end - start_ns_) / 1e9 : 0.0;
}

void perf_producer::run(const produce_settings& s) {
    static_assert(sizeof(intptr_t) >= sizeof(int64_t), "the message opaque carries a 64-bit time");
    prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);  // 1 µs; see sleep_until_ns
    std::vector<char> payload = make_payload(s.size);
    std::vector<std::string> keys = make_keys(s.keys);
    kafka_topic rkt(rd_kafka_topic_new(rk_.get(), s.topic.c_str(), nullptr));
    if (!rkt) throw cli_error("cannot use topic '" + s.topic + "': " + rd_kafka_err2str(rd_kafka_last_error()));

    std::atomic<bool> stop_polling{false};
    std::thread poller([&] {
        while (!stop_polling.load(std::memory_order_relaxed)) rd_kafka_poll(rk_.get(), 50);
    });

    start_ns_ = now_ns();
    double period_ns = s.rate ? 1e9 / double(s.rate) : 0;
    for (uint64_t i = 0; i < s.count; ++i) {
        int64_t intended = start_ns_ + int64_t(double(i) * period_ns);
        if (s.rate) {
            sleep_until_ns(intended);
        } else {
            intended = now_ns();
        }
        if (s.stamp_payload) std::memcpy(payload.data(), &intended, sizeof intended);
        const std::string* key = keys.empty() ? nullptr : &keys[i % keys.size()];
        while (true) {
            rd_kafka_resp_err_t err = rd_kafka_producev(
                rk_.get(), RD_KAFKA_V_RKT(rkt.get()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                RD_KAFKA_V_VALUE(payload.data(), payload.size()),
                RD_KAFKA_V_KEY(key ? key->data() : nullptr, key ? key->size() : 0),
                RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(intptr_t(intended))), RD_KAFKA_V_END);
            if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
            if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                // Refused before it was queued (too large, unknown partition):
                // no delivery report will come, so count it here.
                fail(std::string(rd_kafka_err2name(err)) + ": " + rd_kafka_err2str(err));
                last_report_ns_.store(now_ns());
                break;
            }
            // The local queue is full: the poller drains delivery reports,
            // which frees room; wait a moment and retry.
            std::this_thread::sleep_for(std::chrono::microseconds(100));
        }
    }

    // Every accepted message gets exactly one delivery report, at the latest
    // after message.timeout.ms. No rd_kafka_flush here: it would serve
    // callbacks on this thread, beside the poller.
    while (delivered_.load() + failed_.load() < s.count) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    stop_polling.store(true);
    poller.join();
}

int run_perf_produce(const perf_options& o) {
    property_list properties = o.producer_properties;
    properties.insert(properties.end(), o.user_properties.begin(), o.user_properties.end());
    perf_producer producer(make_conf(o.bootstrap, properties));
    if (o.partitions > 0) ensure_topic(producer.handle(), o.topic, o.partitions, o.timeout);

    produce_settings settings{o.topic, o.count, o.size, o.rate, o.keys, false};
    {
        progress_line progress("produce", o.count, [&] { return producer.sample(); });
        producer.run(settings);
    }
    perf_result r;
    r.mode = "produce";
    r.topic = o.topic;
    r.requested = o.count;
    r.records = producer.delivered();
    r.failed = producer.failed();
    r.bytes = producer.bytes();
    r.seconds = producer.seconds();
    r.target_rate = o.rate;
    r.first_error = producer.first_error();
    r.latencies.push_back({"latency_us", "latency, intended send to delivery report", &producer.latency()});
    emit(r, o.json);
    return r.failed == 0 && r.records == o.count ? exit_ok : exit_error;
}

}  // namespace sluice::tools

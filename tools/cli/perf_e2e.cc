// `sluice perf e2e`: produce-to-consume latency. The producer (this thread,
// paced open-loop) writes each record's intended send time (now_ns(), the
// steady clock) into the value's first 8 bytes; a consumer on its own thread
// in the same process subtracts it from its receipt time, so both ends read
// one clock. The consumer starts at every partition's high watermark, read
// before producing starts, so it sees exactly this run's records.
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <iostream>
#include <thread>

#include "tools/cli/cli_error.h"
#include "tools/cli/perf_options.h"
#include "tools/cli/perf_produce.h"
#include "tools/cli/perf_report.h"

namespace sluice::tools {

namespace {

kafka_handle make_consumer(const perf_options& o, const std::vector<int32_t>& partitions) {
    kafka_conf conf = make_conf(o.bootstrap, {});
    set_property(conf.get(), "group.id", "sluice-perf-e2e-" + std::to_string(getpid()));
    set_property(conf.get(), "enable.auto.commit", "false");
    for (const auto& [k, v] : o.user_properties) set_property(conf.get(), k, v);
    kafka_handle rk = make_handle(RD_KAFKA_CONSUMER, std::move(conf));
    rd_kafka_poll_set_consumer(rk.get());

    partition_list assignment(rd_kafka_topic_partition_list_new(int(partitions.size())));
    for (int32_t p : partitions) {
        int64_t low = 0;
        int64_t high = 0;
        rd_kafka_resp_err_t err =
            rd_kafka_query_watermark_offsets(rk.get(), o.topic.c_str(), p, &low, &high, int(o.timeout.count()));
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            throw cli_error("cannot read the end offset of " + o.topic + "[" + std::to_string(p) +
                            "]: " + rd_kafka_err2str(err));
        }
        rd_kafka_topic_partition_list_add(assignment.get(), o.topic.c_str(), p)->offset = high;
    }
    rd_kafka_resp_err_t err = rd_kafka_assign(rk.get(), assignment.get());
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) throw cli_error(std::string("cannot assign: ") + rd_kafka_err2str(err));
    return rk;
}

// The consumer thread's state; the histogram is touched by that thread only
// and read after it is joined.
struct receiver {
    std::atomic<uint64_t> received{0};
    std::atomic<uint64_t> bytes{0};
    std::atomic<int64_t> last_ns{0};
    std::atomic<bool> stop{false};
    std::unique_ptr<latency_histogram> latency = std::make_unique<latency_histogram>();
    std::string first_error;

    void run(rd_kafka_t* rk) {
        while (!stop.load(std::memory_order_relaxed)) {
            message_ptr m(rd_kafka_consumer_poll(rk, 50));
            if (!m) continue;
            int64_t now = now_ns();
            if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF && first_error.empty()) {
                    first_error = std::string(rd_kafka_err2name(m->err)) + ": " + rd_kafka_message_errstr(m.get());
                    std::cerr << "sluice: consumer error: " << first_error << "\n";
                }
                continue;
            }
            if (m->len >= sizeof(int64_t)) {
                int64_t sent = 0;
                std::memcpy(&sent, m->payload, sizeof sent);
                latency->record((now - sent) / 1000);
            }
            bytes.fetch_add(m->len + m->key_len, std::memory_order_relaxed);
            received.fetch_add(1, std::memory_order_relaxed);
            last_ns.store(now, std::memory_order_relaxed);
        }
    }
};

}  // namespace

int run_perf_e2e(const perf_options& o) {
    property_list properties = o.producer_properties;
    properties.insert(properties.end(), o.user_properties.begin(), o.user_properties.end());
    perf_producer producer(make_conf(o.bootstrap, properties));
    if (o.partitions > 0) ensure_topic(producer.handle(), o.topic, o.partitions, o.timeout);
    // Asked through the producer, so a missing topic is auto-created.
    auto partitions = topic_partitions(producer.handle(), o.topic, o.timeout);
    kafka_handle consumer = make_consumer(o, partitions);

    receiver rx;
    std::thread consumer_thread([&] { rx.run(consumer.get()); });
    {
        progress_line progress("e2e", o.count, [&] { return progress_sample{rx.received.load(), rx.bytes.load(), producer.failed()}; });
        producer.run({o.topic, o.count, o.size, o.rate, o.keys, true});
        // Everything delivered is readable; wait for it, but not forever.
        int64_t idle_limit_ns = int64_t(o.timeout.count()) * 1'000'000;
        int64_t waiting_since = now_ns();
        while (rx.received.load() < producer.delivered()) {
            int64_t last = std::max(rx.last_ns.load(), waiting_since);
            if (now_ns() - last > idle_limit_ns) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }
    rx.stop.store(true);
    consumer_thread.join();
    rd_kafka_consumer_close(consumer.get());

    perf_result r;
    r.mode = "e2e";
    r.topic = o.topic;
    r.requested = o.count;
    r.records = rx.received.load();
    r.failed = o.count > r.records ? o.count - r.records : 0;
    r.bytes = rx.bytes.load();
    int64_t end = rx.last_ns.load();
    r.seconds = end > producer.start_ns() ? double(end - producer.start_ns()) / 1e9 : 0.0;
    r.target_rate = o.rate;
    r.first_error = producer.first_error();
    if (r.first_error.empty()) r.first_error = rx.first_error;
    if (r.records < producer.delivered() && r.first_error.empty()) {
        r.first_error = std::to_string(producer.delivered() - r.records) + " delivered record(s) never reached the consumer";
    }
    r.latencies.push_back({"latency_us", "end-to-end latency, intended send to consumer receipt", rx.latency.get()});
    r.latencies.push_back({"produce_latency_us", "produce latency, intended send to delivery report", &producer.latency()});
    r.extras.emplace_back("delivery_failed", double(producer.failed()));
    emit(r, o.json);
    return r.records == o.count ? exit_ok : exit_error;
}

}  // namespace sluice::tools

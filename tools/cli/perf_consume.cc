// `sluice perf consume`: reads COUNT records as fast as librdkafka delivers
// them. Rates are over the interval from the start (after assign/subscribe)
// to the last record; the time to the first record (metadata, offset
// look-up, group join) is reported on its own as first_record_ms.
#include <unistd.h>

#include <atomic>
#include <iostream>

#include "tools/cli/cli_error.h"
#include "tools/cli/perf_options.h"
#include "tools/cli/perf_report.h"

namespace sluice::tools {

namespace {

void check(rd_kafka_resp_err_t err, const std::string& what) {
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) throw cli_error(what + ": " + rd_kafka_err2str(err));
}

}  // namespace

int run_perf_consume(const perf_options& o) {
    kafka_conf conf = make_conf(o.bootstrap, {});
    // Without --group the consumer only assigns; librdkafka still wants a
    // group id, and nothing is committed under it.
    set_property(conf.get(), "group.id", o.group.value_or("sluice-perf-" + std::to_string(getpid())));
    set_property(conf.get(), "enable.auto.commit", o.group ? "true" : "false");
    set_property(conf.get(), "auto.offset.reset", "earliest");
    for (const auto& [k, v] : o.user_properties) set_property(conf.get(), k, v);
    kafka_handle rk = make_handle(RD_KAFKA_CONSUMER, std::move(conf));
    rd_kafka_poll_set_consumer(rk.get());

    int64_t start = now_ns();
    if (o.group) {
        partition_list topics(rd_kafka_topic_partition_list_new(1));
        rd_kafka_topic_partition_list_add(topics.get(), o.topic.c_str(), RD_KAFKA_PARTITION_UA);
        check(rd_kafka_subscribe(rk.get(), topics.get()), "cannot subscribe to '" + o.topic + "'");
    } else {
        auto ids = topic_partitions(rk.get(), o.topic, o.timeout);
        partition_list assignment(rd_kafka_topic_partition_list_new(int(ids.size())));
        for (int32_t id : ids) {
            rd_kafka_topic_partition_list_add(assignment.get(), o.topic.c_str(), id)->offset = RD_KAFKA_OFFSET_BEGINNING;
        }
        check(rd_kafka_assign(rk.get(), assignment.get()), "cannot assign partitions of '" + o.topic + "'");
    }

    std::atomic<uint64_t> received{0};
    std::atomic<uint64_t> bytes{0};
    int64_t first_ns = 0;
    int64_t last_ns = start;
    std::string first_error;
    {
        progress_line progress("consume", o.count, [&] { return progress_sample{received.load(), bytes.load(), 0}; });
        int64_t idle_limit_ns = int64_t(o.timeout.count()) * 1'000'000;
        while (received.load(std::memory_order_relaxed) < o.count) {
            message_ptr m(rd_kafka_consumer_poll(rk.get(), 100));
            int64_t now = now_ns();
            if (!m) {
                if (now - last_ns > idle_limit_ns) break;
                continue;
            }
            if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
                std::string text = std::string(rd_kafka_err2name(m->err)) + ": " + rd_kafka_message_errstr(m.get());
                if (first_error.empty()) {
                    first_error = text;
                    std::cerr << "sluice: consumer error: " << text << "\n";
                }
                continue;
            }
            if (first_ns == 0) first_ns = now;
            last_ns = now;
            bytes.fetch_add(m->len + m->key_len, std::memory_order_relaxed);
            received.fetch_add(1, std::memory_order_relaxed);
        }
    }
    rd_kafka_consumer_close(rk.get());

    perf_result r;
    r.mode = "consume";
    r.topic = o.topic;
    r.requested = o.count;
    r.records = received.load();
    r.failed = o.count - r.records;
    r.bytes = bytes.load();
    r.seconds = double(last_ns - start) / 1e9;
    r.first_error = first_error;
    if (r.records < o.count && r.first_error.empty()) {
        r.first_error = "no record for " + std::to_string(o.timeout.count()) + " ms after " +
                        std::to_string(r.records) + " of " + std::to_string(o.count);
    }
    r.extras.emplace_back("first_record_ms", first_ns ? double(first_ns - start) / 1e6 : -1.0);
    emit(r, o.json);
    return r.records == o.count ? exit_ok : exit_error;
}

}  // namespace sluice::tools

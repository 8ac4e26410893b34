#include "tools/cli/perf_kafka.h"

#include <iostream>
#include <thread>

#include "tools/cli/cli_error.h"

namespace sluice::tools {

namespace {

struct metadata_destroyer {
    void operator()(const rd_kafka_metadata_t* md) const { rd_kafka_metadata_destroy(md); }
};
using metadata_ptr = std::unique_ptr<const rd_kafka_metadata_t, metadata_destroyer>;

int timeout_int(std::chrono::milliseconds timeout) { return int(timeout.count()); }

// Partition count of `topic` in an all-topics metadata answer (which never
// auto-creates); -1 when it is not listed.
int listed_partitions(rd_kafka_t* rk, const std::string& topic, std::chrono::milliseconds timeout) {
    const rd_kafka_metadata_t* raw = nullptr;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, nullptr, &raw, timeout_int(timeout));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw cli_error("cannot get metadata: " + std::string(rd_kafka_err2str(err)));
    }
    metadata_ptr md(raw);
    for (int i = 0; i < md->topic_cnt; ++i) {
        const auto& t = md->topics[i];
        if (topic == t.topic && t.err == RD_KAFKA_RESP_ERR_NO_ERROR) return t.partition_cnt;
    }
    return -1;
}

struct admin_options_destroyer {
    void operator()(rd_kafka_AdminOptions_t* o) const { rd_kafka_AdminOptions_destroy(o); }
};
struct new_topic_destroyer {
    void operator()(rd_kafka_NewTopic_t* t) const { rd_kafka_NewTopic_destroy(t); }
};
struct queue_destroyer {
    void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct event_destroyer {
    void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};

void create_topic(rd_kafka_t* rk, const std::string& topic, int partitions, std::chrono::milliseconds timeout) {
    char errstr[512] = {};
    std::unique_ptr<rd_kafka_NewTopic_t, new_topic_destroyer> new_topic(
        rd_kafka_NewTopic_new(topic.c_str(), partitions, -1, errstr, sizeof errstr));
    if (!new_topic) throw usage_error("cannot create topic '" + topic + "': " + errstr);
    std::unique_ptr<rd_kafka_AdminOptions_t, admin_options_destroyer> options(
        rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS));
    rd_kafka_AdminOptions_set_request_timeout(options.get(), timeout_int(timeout), errstr, sizeof errstr);
    rd_kafka_AdminOptions_set_operation_timeout(options.get(), timeout_int(timeout), errstr, sizeof errstr);
    std::unique_ptr<rd_kafka_queue_t, queue_destroyer> queue(rd_kafka_queue_new(rk));
    rd_kafka_NewTopic_t* topics[] = {new_topic.get()};
    rd_kafka_CreateTopics(rk, topics, 1, options.get(), queue.get());
    // The admin request times out on its own; the extra second covers queueing.
    std::unique_ptr<rd_kafka_event_t, event_destroyer> event(
        rd_kafka_queue_poll(queue.get(), timeout_int(timeout) + 1000));
    if (!event) throw cli_error("cannot create topic '" + topic + "': no answer within the timeout");
    if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw cli_error("cannot create topic '" + topic + "': " + rd_kafka_event_error_string(event.get()));
    }
    const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(event.get());
    size_t count = 0;
    const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(result, &count);
    for (size_t i = 0; i < count; ++i) {
        rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
        // Someone else created it between our look-up and now: fine.
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
            const char* msg = rd_kafka_topic_result_error_string(results[i]);
            throw cli_error("cannot create topic '" + topic + "': " + rd_kafka_err2name(err) + ": " +
                            (msg ? msg : rd_kafka_err2str(err)));
        }
    }
}

}  // namespace

void set_property(rd_kafka_conf_t* conf, const std::string& name, const std::string& value) {
    char errstr[512] = {};
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
        throw usage_error("librdkafka property " + name + "=" + value + ": " + errstr);
    }
}

kafka_conf make_conf(const std::string& bootstrap, const property_list& properties) {
    kafka_conf conf(rd_kafka_conf_new());
    set_property(conf.get(), "bootstrap.servers", bootstrap);
    for (const auto& [name, value] : properties) set_property(conf.get(), name, value);
    return conf;
}

kafka_handle make_handle(rd_kafka_type_t type, kafka_conf conf) {
    char errstr[512] = {};
    rd_kafka_t* rk = rd_kafka_new(type, conf.get(), errstr, sizeof errstr);
    if (rk == nullptr) throw usage_error(std::string("cannot create the librdkafka client: ") + errstr);
    (void)conf.release();  // owned by rk now
    return kafka_handle(rk);
}

void ensure_topic(rd_kafka_t* rk, const std::string& topic, int partitions, std::chrono::milliseconds timeout) {
    int existing = listed_partitions(rk, topic, timeout);
    if (existing < 0) {
        create_topic(rk, topic, partitions, timeout);
    } else if (existing != partitions) {
        std::cerr << "sluice: note: topic '" << topic << "' already exists with " << existing
                  << " partition(s); using it as it is\n";
    }
}

std::vector<int32_t> topic_partitions(rd_kafka_t* rk, const std::string& topic, std::chrono::milliseconds timeout) {
    kafka_topic rkt(rd_kafka_topic_new(rk, topic.c_str(), nullptr));
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string last_problem = "no answer";
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        const rd_kafka_metadata_t* raw = nullptr;
        rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt.get(), &raw, timeout_int(left));
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            last_problem = rd_kafka_err2str(err);
        } else {
            metadata_ptr md(raw);
            if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR &&
                md->topics[0].partition_cnt > 0) {
                std::vector<int32_t> ids;
                bool led = true;
                for (int i = 0; i < md->topics[0].partition_cnt; ++i) {
                    const auto& p = md->topics[0].partitions[i];
                    led = led && p.leader >= 0 && p.err == RD_KAFKA_RESP_ERR_NO_ERROR;
                    ids.push_back(p.id);
                }
                if (led) return ids;
                last_problem = "a partition has no leader";
            } else if (md->topic_cnt == 1) {
                last_problem = rd_kafka_err2str(md->topics[0].err);
            }
        }
        // Auto-creation and leader election take a moment; ask again.
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw cli_error("topic '" + topic + "' is not available: " + last_problem);
}

}  // namespace sluice::tools

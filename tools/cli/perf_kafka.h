#pragma once
// librdkafka plumbing shared by the `sluice perf` commands: owning handles,
// configuration from the command line, topic creation and partition look-up.
//
// `perf` uses librdkafka rather than the CLI's own kafka_client because it
// measures what a real client sees: batching, compression, pipelining and
// delivery reports are the client's, not ours. Errors become usage_error
// (a bad -X property: exit 2) or cli_error (the broker said no: exit 1).
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sluice::tools {

struct rd_kafka_destroyer {
    void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct rd_kafka_conf_destroyer {
    void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
struct rd_kafka_topic_destroyer {
    void operator()(rd_kafka_topic_t* rkt) const { rd_kafka_topic_destroy(rkt); }
};
struct rd_kafka_message_destroyer {
    void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
struct partition_list_destroyer {
    void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using kafka_handle = std::unique_ptr<rd_kafka_t, rd_kafka_destroyer>;
using kafka_conf = std::unique_ptr<rd_kafka_conf_t, rd_kafka_conf_destroyer>;
using kafka_topic = std::unique_ptr<rd_kafka_topic_t, rd_kafka_topic_destroyer>;

using message_ptr = std::unique_ptr<rd_kafka_message_t, rd_kafka_message_destroyer>;
using partition_list = std::unique_ptr<rd_kafka_topic_partition_list_t, partition_list_destroyer>;

using property_list = std::vector<std::pair<std::string, std::string>>;

// A configuration with bootstrap.servers and then `properties` in order, so a
// later -X wins over an earlier default. Throws usage_error naming the
// property librdkafka refuses.
kafka_conf make_conf(const std::string& bootstrap, const property_list& properties);
void set_property(rd_kafka_conf_t* conf, const std::string& name, const std::string& value);

// rd_kafka_new; takes `conf` (librdkafka owns it once the handle exists).
kafka_handle make_handle(rd_kafka_type_t type, kafka_conf conf);

// Creates `topic` with `partitions` partitions (replication factor -1: the
// broker's default) unless metadata already lists it. Brokers without
// CreateTopics (librdkafka's mock cluster) work as long as the topic exists.
void ensure_topic(rd_kafka_t* rk, const std::string& topic, int partitions, std::chrono::milliseconds timeout);

// The partition ids of `topic` once every partition has a leader. Asks for
// the topic by name, so a producer handle triggers auto-creation. Throws
// cli_error when the topic is not ready within `timeout`.
std::vector<int32_t> topic_partitions(rd_kafka_t* rk, const std::string& topic, std::chrono::milliseconds timeout);

// steady_clock in nanoseconds: the one clock for intended send times, payload
// stamps and delivery times, so they can be subtracted.
inline int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace sluice::tools

#include "broker/metrics/scrape.h"

#include <algorithm>
#include <map>

#include "broker/broker.h"
#include "broker/groups/coordinator.h"
#include "broker/metrics/broker_metrics.h"
#include "broker/metrics/text_format.h"
#include "broker/replica/cluster_roles.h"
#include "broker/replica/replication_throttle.h"
#include "broker/topics/log_cleaning.h"
#include "broker/topics/topic_registry.h"
#include "log/partition_log.h"
#include "protocol/generated/api_registry.h"
#include "replication/metadata_store.h"

namespace sluice::broker::metrics {

namespace {

using topic_map = std::map<std::string, std::unique_ptr<topic_state>, std::less<>>;

void topic_counter(text_writer& w, const topic_map& topics, std::string_view name, std::string_view help,
                   counter partition_metrics::*field) {
    w.family(name, "counter", help);
    for (const auto& [topic, t] : topics) {
        uint64_t sum = 0;
        for (const auto& p : t->partitions)
            sum += (p->metrics.*field).value;
        w.sample(name, {{"topic", topic}}, sum);
    }
}

void broker_topic_metrics(text_writer& w, const topic_map& topics) {
    topic_counter(w, topics, "kafka_server_brokertopicmetrics_bytesin_total",
                  "Record bytes appended by producers (BrokerTopicMetrics BytesInPerSec)",
                  &partition_metrics::bytes_in);
    topic_counter(w, topics, "kafka_server_brokertopicmetrics_bytesout_total",
                  "Record bytes sent to consumers (BrokerTopicMetrics BytesOutPerSec)", &partition_metrics::bytes_out);
    topic_counter(w, topics, "kafka_server_brokertopicmetrics_messagesin_total",
                  "Records appended by producers (BrokerTopicMetrics MessagesInPerSec)",
                  &partition_metrics::messages_in);
    topic_counter(w, topics, "kafka_server_brokertopicmetrics_totalproducerequests_total",
                  "Partitions of Produce requests (BrokerTopicMetrics TotalProduceRequestsPerSec)",
                  &partition_metrics::produce_requests);
    topic_counter(w, topics, "kafka_server_brokertopicmetrics_failedproducerequests_total",
                  "Partitions of Produce requests answered with an error (FailedProduceRequestsPerSec)",
                  &partition_metrics::failed_produce_requests);
    topic_counter(w, topics, "kafka_server_brokertopicmetrics_totalfetchrequests_total",
                  "Partitions of Fetch answers (BrokerTopicMetrics TotalFetchRequestsPerSec)",
                  &partition_metrics::fetch_requests);
    topic_counter(w, topics, "kafka_server_brokertopicmetrics_failedfetchrequests_total",
                  "Partitions of Fetch answers with an error (FailedFetchRequestsPerSec)",
                  &partition_metrics::failed_fetch_requests);
}

void request_histogram(text_writer& w, const broker_metrics& m, const std::string& name, std::string_view help,
                       histogram request_series::*field) {
    w.family(name, "histogram", help);
    const std::string bucket = name + "_bucket", sum = name + "_sum", count = name + "_count";
    for (const auto& api : protocol::all_apis()) {
        if (api.key >= broker_metrics::api_key_limit) continue;
        const histogram& h = m.request(api.key).*field;
        if (h.count() == 0) continue;
        for (size_t i = 0; i < h.bounds().size(); ++i) {
            std::string le = format_number(h.bounds()[i]);
            w.sample(bucket, {{"request", api.name}, {"le", le}}, h.cumulative(i));
        }
        w.sample(bucket, {{"request", api.name}, {"le", "+Inf"}}, h.count());
        w.sample(sum, {{"request", api.name}}, h.sum());
        w.sample(count, {{"request", api.name}}, h.count());
    }
}

void request_metrics(text_writer& w, const broker_metrics& m) {
    w.family("kafka_network_requestmetrics_requests_total", "counter",
             "Requests answered, by API (RequestMetrics RequestsPerSec)");
    for (const auto& api : protocol::all_apis()) {
        if (api.key >= broker_metrics::api_key_limit) continue;
        const request_series& s = m.request(api.key);
        if (s.requests.value > 0) {
            w.sample("kafka_network_requestmetrics_requests_total", {{"request", api.name}}, s.requests.value);
        }
    }
    request_histogram(w, m, "kafka_network_requestmetrics_totaltimems",
                      "Time from a request's last byte read to its answer queued, ms (RequestMetrics TotalTimeMs)",
                      &request_series::total_ms);
    request_histogram(w, m, "kafka_network_requestmetrics_throttletimems",
                      "Quota throttle time given with the answer, ms (RequestMetrics ThrottleTimeMs)",
                      &request_series::throttle_ms);
}

bool self_replica(const partition_state& p) {
    const auto& r = p.replica.replicas();
    return r.empty() || std::find(r.begin(), r.end(), p.replica.self()) != r.end();
}

// A family of one unlabeled sample.
template <typename T>
void one_value(text_writer& w, std::string_view name, std::string_view type, std::string_view help, T value) {
    w.family(name, type, help);
    w.sample(name, {}, value);
}

void replica_manager(text_writer& w, broker& b, const topic_map& topics) {
    int64_t partitions = 0, leaders = 0, under = 0, offline = 0;
    for (const auto& [name, t] : topics) {
        for (const auto& p : t->partitions) {
            if (!self_replica(*p)) continue;
            ++partitions;
            const auto leader = p->replica.leader_id();  // -1 (replication::no_leader): none
            if (!leader || leader->value() < 0) ++offline;
            if (!p->replica.is_leader()) continue;
            ++leaders;
            if (p->replica.isr().size() < p->replica.replicas().size()) ++under;
        }
    }
    one_value(w, "kafka_server_replicamanager_partitioncount", "gauge", "Partitions with a replica on this broker",
              partitions);
    one_value(w, "kafka_server_replicamanager_leadercount", "gauge", "Partitions this broker leads", leaders);
    one_value(w, "kafka_server_replicamanager_isrshrinks_total", "counter",
              "ISR shrinks of partitions led here (IsrShrinksPerSec)", b.metrics().isr_shrinks.value);
    one_value(w, "kafka_server_replicamanager_isrexpands_total", "counter",
              "ISR expansions of partitions led here (IsrExpandsPerSec)", b.metrics().isr_expands.value);
    w.family("kafka_server_replicafetchermanager_maxlag", "gauge",
             "Largest lag in records of a partition this broker follows (ReplicaFetcherManager MaxLag)");
    w.sample("kafka_server_replicafetchermanager_maxlag", {{"clientId", "Replica"}},
             b.roles() ? b.roles()->fetchers().max_lag() : 0);
    const int64_t now = now_ms();
    one_value(w, "kafka_server_leaderreplication_byte_rate", "gauge",
              "Bytes per second of throttled replicas sent to followers (LeaderReplication byte-rate)",
              b.replication_throttle().leader_byte_rate(now));
    one_value(w, "kafka_server_followerreplication_byte_rate", "gauge",
              "Bytes per second of throttled replicas fetched from leaders (FollowerReplication byte-rate)",
              b.replication_throttle().follower_byte_rate(now));
    one_value(w, "kafka_server_brokertopicmetrics_replicationbytesin_total", "counter",
              "Record bytes this broker fetched as a follower (ReplicationBytesInPerSec)",
              b.metrics().replication_bytes_in.value);
    one_value(w, "kafka_server_brokertopicmetrics_replicationbytesout_total", "counter",
              "Record bytes this broker sent to followers (ReplicationBytesOutPerSec)",
              b.metrics().replication_bytes_out.value);
    one_value(w, "kafka_server_replicamanager_underreplicatedpartitions", "gauge",
              "Partitions led here whose ISR is smaller than their replica set", under);

    // Kafka's controller metrics are 1/count on the active controller and 0
    // on every other broker, so sum() over the cluster is the answer.
    const auto controller = b.metadata().controller_id();
    const bool active = controller && controller->value() == b.config().node_id;
    one_value(w, "kafka_controller_kafkacontroller_activecontrollercount", "gauge",
              "1 on the active controller, 0 elsewhere", int64_t{active ? 1 : 0});
    one_value(w, "kafka_controller_kafkacontroller_offlinepartitionscount", "gauge",
              "Partitions without a leader (reported by the active controller)", active ? offline : int64_t{0});
}

void log_metrics(text_writer& w, const topic_map& topics) {
    struct gauge {
        std::string_view name, help;
        int64_t (*read)(const log::partition_log&);
    };
    const gauge gauges[] = {
        {"kafka_log_log_size", "Bytes of the partition's segments on disk (Log Size)",
         [](const log::partition_log& l) { return static_cast<int64_t>(l.size_bytes()); }},
        {"kafka_log_log_logendoffset", "The partition's log end offset (Log LogEndOffset)",
         [](const log::partition_log& l) { return l.log_end_offset(); }},
        {"kafka_log_log_logstartoffset", "The partition's log start offset (Log LogStartOffset)",
         [](const log::partition_log& l) { return l.log_start_offset(); }},
        {"kafka_log_log_numlogsegments", "Segments of the partition (Log NumLogSegments)",
         [](const log::partition_log& l) { return static_cast<int64_t>(l.segment_count()); }},
    };
    for (const auto& g : gauges) {
        w.family(g.name, "gauge", g.help);
        for (const auto& [name, t] : topics) {
            for (const auto& p : t->partitions) {
                if (!self_replica(*p)) continue;  // as Kafka: logs of replicas hosted here
                std::string index = std::to_string(p->index);
                w.sample(g.name, {{"topic", name}, {"partition", index}}, g.read(*p->log));
            }
        }
    }
}

// Lag of every group this broker coordinates, per partition it leads:
// high watermark minus the committed offset (Kafka's own brokers have no
// such MBean; this is the name kafka_exporter and Burrow dashboards use).
void consumer_lag(text_writer& w, broker& b) {
    w.family("kafka_consumergroup_lag", "gauge", "High watermark minus the group's committed offset, per partition");
    for (const auto& g : b.groups().list({}, {})) {
        std::vector<groups::coordinator::fetched_offset> offsets;
        if (b.groups().fetch_offsets(g.group_id, std::nullopt, offsets) != protocol::error_code::none) continue;
        for (const auto& o : offsets) {
            if (o.offset.offset < 0) continue;
            const partition_state* p = b.topics().find(o.topic, o.partition);
            if (p == nullptr || !p->replica.is_leader()) continue;
            std::string index = std::to_string(o.partition);
            w.sample("kafka_consumergroup_lag", {{"group", g.group_id}, {"topic", o.topic}, {"partition", index}},
                     std::max<int64_t>(0, p->log->high_watermark() - o.offset.offset));
        }
    }
}

void cleaner_metrics(text_writer& w, const log_cleaning::totals& t) {
    w.family("kafka_log_logcleaner_runs_total", "counter", "Cleanings of a partition committed");
    w.sample("kafka_log_logcleaner_runs_total", {}, t.runs);
    w.family("kafka_log_logcleaner_failures_total", "counter", "Cleanings that failed to commit (retried later)");
    w.sample("kafka_log_logcleaner_failures_total", {}, t.failures);
    w.family("kafka_log_logcleaner_bytes_read_total", "counter", "Segment bytes the committed cleanings read");
    w.sample("kafka_log_logcleaner_bytes_read_total", {}, t.bytes_read);
    w.family("kafka_log_logcleaner_bytes_written_total", "counter", "Segment bytes the committed cleanings wrote");
    w.sample("kafka_log_logcleaner_bytes_written_total", {}, t.bytes_written);
    w.family("kafka_log_logcleaner_cleaner_recopy_percent", "gauge",
             "Bytes written as a percentage of bytes read, last cleaning (LogCleaner cleaner-recopy-percent)");
    w.sample("kafka_log_logcleaner_cleaner_recopy_percent", {}, t.last_recopy_percent);
}

}  // namespace

std::string render_metrics(broker& b) {
    text_writer w;
    const topic_map& topics = b.topics().all();
    broker_topic_metrics(w, topics);
    request_metrics(w, b.metrics());
    replica_manager(w, b, topics);
    log_metrics(w, topics);
    consumer_lag(w, b);
    cleaner_metrics(w, b.cleaning().stats());
    w.family("kafka_server_socketservermetrics_connection_count", "gauge", "Open client connections");
    w.sample("kafka_server_socketservermetrics_connection_count", {}, static_cast<uint64_t>(b.connection_count()));
    return std::move(w.text());
}

}  // namespace sluice::broker::metrics

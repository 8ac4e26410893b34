// `sluice offsets -t TOPIC`: earliest and latest offset of every partition,
// from two ListOffsets requests (Kafka refuses a partition listed twice in
// one request).
#include <algorithm>
#include <iostream>
#include <map>

#include "protocol/generated/list_offsets.h"
#include "tools/cli/broker_error.h"
#include "tools/cli/cluster_metadata.h"
#include "tools/cli/command.h"
#include "tools/cli/json_output.h"
#include "tools/cli/kafka_client.h"
#include "tools/cli/table.h"

namespace sluice::tools {

namespace {

constexpr int64_t earliest_timestamp = -2;
constexpr int64_t latest_timestamp = -1;

struct partition_offset {
    int16_t error_code = 0;
    int64_t offset = -1;
};

std::map<int32_t, partition_offset> list_offsets(kafka_client& client, const std::string& topic,
                                                 const std::vector<int32_t>& partitions, int64_t timestamp) {
    // v1 is the first with a single offset per partition instead of v0's array.
    int16_t version = client.version_for<protocol::list_offsets_request>(1);
    protocol::list_offsets_request request;
    request.replica_id = -1;  // a client, not a follower
    request.isolation_level = 0;  // read_uncommitted: latest is the high watermark
    protocol::list_offsets_request::list_offsets_topic t;
    t.name = topic;
    for (int32_t p : partitions) {
        protocol::list_offsets_request::list_offsets_partition lp;
        lp.partition_index = p;
        lp.timestamp = timestamp;
        t.partitions.push_back(lp);
    }
    request.topics.push_back(std::move(t));
    auto response = client.call<protocol::list_offsets_response>(request, version);
    std::map<int32_t, partition_offset> out;
    for (const auto& rt : response.topics) {
        if (rt.name != topic) continue;
        for (const auto& rp : rt.partitions) out[rp.partition_index] = {rp.error_code, rp.offset};
    }
    return out;
}

std::string cell(const std::map<int32_t, partition_offset>& offsets, int32_t partition, bool& failed) {
    auto it = offsets.find(partition);
    if (it == offsets.end()) {
        failed = true;
        return "missing";
    }
    if (it->second.error_code != 0) {
        failed = true;
        return describe_error(it->second.error_code);
    }
    return std::to_string(it->second.offset);
}

int run_offsets(const parsed_args& args) {
    std::string topic = require(args, "--topic");
    kafka_client client(bootstrap_of(args), timeout_of(args));
    auto metadata = fetch_topic(client, topic);
    std::vector<int32_t> partitions;
    for (const auto& p : metadata.partitions) partitions.push_back(p.partition_index);
    std::sort(partitions.begin(), partitions.end());
    auto earliest = list_offsets(client, topic, partitions, earliest_timestamp);
    auto latest = list_offsets(client, topic, partitions, latest_timestamp);

    bool failed = false;
    table out({"PARTITION", "EARLIEST", "LATEST", "RECORDS"});
    for (int32_t p : partitions) {
        std::string e = cell(earliest, p, failed);
        std::string l = cell(latest, p, failed);
        auto ei = earliest.find(p);
        auto li = latest.find(p);
        bool both = ei != earliest.end() && li != latest.end() && ei->second.error_code == 0 && li->second.error_code == 0;
        out.add_row({std::to_string(p), e, l, both ? std::to_string(li->second.offset - ei->second.offset) : "-"});
    }
    if (json_requested(args)) {
        print_json(std::cout, boost::json::object{{"topic", topic}, {"partitions", json_rows(out)}});
    } else {
        out.print(std::cout);
    }
    if (failed) {
        std::cerr << "sluice: some partitions of '" << topic << "' returned errors\n";
        return exit_error;
    }
    return exit_ok;
}

}  // namespace

std::vector<command> offsets_commands() {
    return {
        {"", "offsets", "earliest and latest offset of each partition of a topic",
         {"sluice offsets -t TOPIC [-b HOST:PORT]",
          "Shows, per partition, the earliest offset (log start), the latest offset (high\n"
          "watermark, the offset the next record will get) and the difference.",
          {{"-t", "--topic", "TOPIC", "the topic"}, bootstrap_option(), timeout_option(), json_option()}},
         run_offsets},
    };
}

}  // namespace sluice::tools

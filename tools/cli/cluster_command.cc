// `sluice cluster`: the brokers, the controller, and the partitions that are
// under-replicated (ISR smaller than the replica set) or offline (no
// leader). Brokers and racks come from DescribeCluster where the broker
// speaks it, else from Metadata; partitions always from Metadata.
#include <algorithm>
#include <iostream>

#include "protocol/generated/describe_cluster.h"
#include "tools/cli/broker_error.h"
#include "tools/cli/broker_pool.h"
#include "tools/cli/cluster_metadata.h"
#include "tools/cli/command.h"
#include "tools/cli/json_output.h"

namespace sluice::tools {

namespace {

std::string join(const std::vector<int32_t>& ids) {
    std::string out;
    for (int32_t id : ids)
        out += (out.empty() ? "" : ",") + std::to_string(id);
    return out.empty() ? "-" : out;
}

struct cluster_view {
    std::string cluster_id;
    int32_t controller = -1;
    table brokers{{"BROKER", "HOST:PORT", "RACK", "CONTROLLER"}};  // CONTROLLER: yes/no
    table under_replicated{{"TOPIC", "PARTITION", "LEADER", "REPLICAS", "ISR"}};
    table offline{{"TOPIC", "PARTITION", "LEADER", "REPLICAS", "ISR"}};
};

cluster_view gather(kafka_client& client) {
    cluster_view view;
    view.brokers.set_json_kind("CONTROLLER", table::json_kind::flag);
    for (table* t : {&view.under_replicated, &view.offline}) {
        t->set_json_kind("REPLICAS", table::json_kind::list);
        t->set_json_kind("ISR", table::json_kind::list);
    }
    auto metadata = fetch_metadata(client, std::nullopt);
    view.cluster_id = metadata.cluster_id.value_or("");
    view.controller = metadata.controller_id;
    std::vector<std::tuple<int32_t, std::string, std::string>> brokers;
    for (const auto& b : metadata.brokers) {
        brokers.emplace_back(b.node_id, broker_address{b.host, b.port, ""}.text(), b.rack.value_or(""));
    }
    try {
        int16_t version = client.version_for<protocol::describe_cluster_request>();
        auto described =
            client.call<protocol::describe_cluster_response>(protocol::describe_cluster_request{}, version);
        check_error(described.error_code, described.error_message, "DescribeCluster");
        view.cluster_id = described.cluster_id;
        view.controller = described.controller_id;
        brokers.clear();
        for (const auto& b : described.brokers) {
            brokers.emplace_back(b.broker_id, broker_address{b.host, b.port, ""}.text(), b.rack.value_or(""));
        }
    } catch (const kafka_error&) {
        throw;
    } catch (const cli_error&) {
        // Brokers before Kafka 2.8 have no DescribeCluster; Metadata says the same.
    }
    std::sort(brokers.begin(), brokers.end());
    for (const auto& [id, address, rack] : brokers) {
        view.brokers.add_row(
            {std::to_string(id), address, rack.empty() ? "-" : rack, id == view.controller ? "yes" : "no"});
    }
    auto topics = metadata.topics;
    std::sort(topics.begin(), topics.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    for (auto& t : topics) {
        std::sort(t.partitions.begin(), t.partitions.end(),
                  [](const auto& a, const auto& b) { return a.partition_index < b.partition_index; });
        for (const auto& p : t.partitions) {
            std::vector<std::string> row = {t.name.value_or(""), std::to_string(p.partition_index),
                                            p.leader_id >= 0 ? std::to_string(p.leader_id) : "-", join(p.replica_nodes),
                                            join(p.isr_nodes)};
            if (p.leader_id < 0) {
                view.offline.add_row(row);
            } else if (p.isr_nodes.size() < p.replica_nodes.size()) {
                view.under_replicated.add_row(row);
            }
        }
    }
    return view;
}

int run_cluster(const parsed_args& args) {
    broker_pool pool(bootstrap_of(args), timeout_of(args));
    auto view = gather(pool.any());
    if (json_requested(args)) {
        print_json(std::cout, boost::json::object{{"cluster_id", view.cluster_id},
                                                  {"controller", view.controller},
                                                  {"brokers", json_rows(view.brokers)},
                                                  {"under_replicated_partitions", json_rows(view.under_replicated)},
                                                  {"offline_partitions", json_rows(view.offline)}});
        return exit_ok;
    }
    std::cout << "Cluster ID:  " << (view.cluster_id.empty() ? "-" : view.cluster_id) << '\n'
              << "Controller:  " << view.controller << "\n\n";
    view.brokers.print(std::cout);
    std::cout << "\nUnder-replicated partitions: " << view.under_replicated.rows().size() << '\n';
    if (!view.under_replicated.empty()) view.under_replicated.print(std::cout);
    std::cout << "\nOffline partitions: " << view.offline.rows().size() << '\n';
    if (!view.offline.empty()) view.offline.print(std::cout);
    return exit_ok;
}

}  // namespace

std::vector<command> cluster_commands() {
    return {
        {"",
         "cluster",
         "brokers, controller, under-replicated and offline partitions",
         {"sluice cluster [-b HOST:PORT]",
          "Lists the cluster's brokers (id, address, rack), names the controller, and\n"
          "lists every partition (internal topics included) whose ISR is smaller than\n"
          "its replica set (under-replicated) or that has no leader (offline). The\n"
          "exit code is 0 whatever the partitions' health; read the counts.",
          {bootstrap_option(), timeout_option(), json_option()}},
         run_cluster},
    };
}

}  // namespace sluice::tools

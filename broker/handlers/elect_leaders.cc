// ElectLeaders (KIP-460): a preferred (type 0; v0 knows no other) or
// unclean (type 1) leader election per partition, decided and written by
// the metadata store (replication/leader_election.h) one partition after
// another; the answer goes once every change is visible here. Null
// partitions mean every partition of every topic, and then, as Kafka does,
// the answer leaves out the partitions that needed no election.
#include "protocol/generated/elect_leaders.h"

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "broker/broker.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"
#include "broker/handlers/in_order.h"
#include "replication/metadata_store.h"

namespace sluice::broker {

using protocol::error_code;
using replication::op_result;
using protocol::to_wire;
using response_t = protocol::elect_leaders_response;

namespace {

struct wanted_partition {
    std::string topic;
    int32_t partition = 0;
};

response_t answer(const std::vector<wanted_partition>& wanted, const std::vector<op_result>& results, bool all) {
    response_t response;
    for (size_t i = 0; i < wanted.size(); ++i) {
        if (all && results[i].code == error_code::election_not_needed) continue;
        if (response.replica_election_results.empty() ||
            response.replica_election_results.back().topic != wanted[i].topic) {
            response_t::replica_election_result t;
            t.topic = wanted[i].topic;
            response.replica_election_results.push_back(std::move(t));
        }
        response_t::partition_result_data p;
        p.partition_id = wanted[i].partition;
        p.error_code = to_wire(results[i].code);
        if (!results[i].ok()) p.error_message = results[i].message;
        response.replica_election_results.back().partition_result.push_back(std::move(p));
    }
    return response;
}

}  // namespace

handler_result handle_elect_leaders(broker& b, request& req) {
    protocol::elect_leaders_request body;
    if (!decode_body(req, body)) return handler_result::close();
    if (!cluster_authorized(b, req, acl_operation::alter)) {
        // Kafka: the top-level error and each partition asked for.
        protocol::elect_leaders_response refused;
        refused.error_code = protocol::to_wire(protocol::error_code::cluster_authorization_failed);
        for (const auto& t :
             body.topic_partitions.value_or(std::vector<protocol::elect_leaders_request::topic_partitions_data>{})) {
            auto& out = refused.replica_election_results.emplace_back();
            out.topic = t.topic;
            for (int32_t p : t.partitions) {
                out.partition_result.push_back({p, refused.error_code, std::nullopt, {}});
            }
        }
        return respond_with(req, refused);
    }
    auto wanted = std::make_shared<std::vector<wanted_partition>>();
    const bool all = !body.topic_partitions.has_value();
    if (all) {
        for (const auto& t : b.metadata().list_topics()) {
            for (int32_t p = 0; p < t.partition_count; ++p) wanted->push_back({t.name, p});
        }
    } else {
        for (const auto& t : *body.topic_partitions) {
            for (int32_t p : t.partitions) wanted->push_back({t.topic, p});
        }
    }
    const int8_t type = req.api_version == 0 ? int8_t{0} : body.election_type;
    if (type != 0 && type != 1) {
        // Kafka knows no other election type and fails the whole request.
        std::vector<op_result> refused(wanted->size(), op_result{error_code::invalid_request,
                                                                 "Unknown election type " + std::to_string(type) + "."});
        auto response = answer(*wanted, refused, false);
        response.error_code = to_wire(error_code::invalid_request);
        return respond_with(req, response);
    }
    const auto election = type == 0 ? replication::election_type::preferred : replication::election_type::unclean;
    int16_t version = req.api_version;
    return handler_result::later([&b, wanted, election, all, version](respond_fn respond) {
        run_in_order<op_result>(
            wanted->size(),
            [&b, wanted, election](size_t i, std::function<void(op_result)> done) {
                const auto& w = (*wanted)[i];
                b.metadata().elect_leader(w.topic, w.partition, election, b.io().get_executor(), std::move(done));
            },
            [wanted, all, version, respond](std::vector<op_result> results) {
                protocol::writer w;
                answer(*wanted, results, all).encode(w, version);
                respond(std::move(w));
            });
    });
}

}  // namespace sluice::broker

// AlterPartitionReassignments (KIP-455): per partition a target replica
// list, or null to cancel the reassignment in progress, decided and written
// by the metadata store (replication/partition_reassignment.h) one
// partition after another; the answer goes once every change is visible
// here. Any broker serves it: the store's compare on the partition state
// arbitrates, as for ElectLeaders. The controller finishes the move.
#include "protocol/generated/alter_partition_reassignments.h"

#include <boost/asio/io_context.hpp>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "broker/broker.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"
#include "broker/handlers/in_order.h"
#include "replication/metadata_store.h"

namespace sluice::broker {

using protocol::to_wire;
using replication::op_result;
using response_t = protocol::alter_partition_reassignments_response;

namespace {

struct wanted_move {
    std::string topic;
    int32_t partition = 0;
    std::optional<std::vector<int32_t>> target;
};

response_t answer(const std::vector<wanted_move>& wanted, const std::vector<op_result>& results) {
    response_t response;
    for (size_t i = 0; i < wanted.size(); ++i) {
        if (response.responses.empty() || response.responses.back().name != wanted[i].topic) {
            response_t::reassignable_topic_response t;
            t.name = wanted[i].topic;
            response.responses.push_back(std::move(t));
        }
        response_t::reassignable_partition_response p;
        p.partition_index = wanted[i].partition;
        p.error_code = to_wire(results[i].code);
        if (!results[i].ok()) p.error_message = results[i].message;
        response.responses.back().partitions.push_back(std::move(p));
    }
    return response;
}

}  // namespace

handler_result handle_alter_partition_reassignments(broker& b, request& req) {
    protocol::alter_partition_reassignments_request body;
    if (!decode_body(req, body)) return handler_result::close();
    if (!cluster_authorized(b, req, acl_operation::alter)) {
        return refuse_with<protocol::alter_partition_reassignments_response>(
            req, protocol::error_code::cluster_authorization_failed);
    }
    auto wanted = std::make_shared<std::vector<wanted_move>>();
    for (auto& t : body.topics) {
        for (auto& p : t.partitions) wanted->push_back({t.name, p.partition_index, std::move(p.replicas)});
    }
    int16_t version = req.api_version;
    return handler_result::later([&b, wanted, version](respond_fn respond) {
        run_in_order<op_result>(
            wanted->size(),
            [&b, wanted](size_t i, std::function<void(op_result)> done) {
                auto& w = (*wanted)[i];
                b.metadata().alter_reassignment(w.topic, w.partition, w.target, b.io().get_executor(),
                                                std::move(done));
            },
            [wanted, version, respond](std::vector<op_result> results) {
                protocol::writer w;
                answer(*wanted, results).encode(w, version);
                respond(std::move(w));
            });
    });
}

}  // namespace sluice::broker

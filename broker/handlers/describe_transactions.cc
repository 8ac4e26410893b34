// DescribeTransactions: each named transactional id's state, as its
// coordinator holds it; NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS or
// TRANSACTIONAL_ID_NOT_FOUND per id otherwise (INVALID_REQUEST for an empty id).
#include "protocol/generated/describe_transactions.h"

#include "broker/broker.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"
#include "broker/txn/coordinator.h"

namespace sluice::broker {

using protocol::error_code;

handler_result handle_describe_transactions(broker& b, request& req) {
    protocol::describe_transactions_request body;
    if (!decode_body(req, body)) return handler_result::close();
    protocol::describe_transactions_response response;
    for (const auto& id : body.transactional_ids) {
        auto& out = response.transaction_states.emplace_back();
        out.transactional_id = id;
        txn::txn_metadata m;
        error_code e = !transactional_id_authorized(b, req, acl_operation::describe, id)
                           ? error_code::transactional_id_authorization_failed
                       : id.empty() ? error_code::invalid_request
                                    : b.transactions().describe(id, m);
        out.error_code = protocol::to_wire(e);
        if (e != error_code::none) continue;
        out.transaction_state_value = std::string(txn::state_name(m.state));
        out.transaction_timeout_ms = m.timeout_ms;
        out.transaction_start_time_ms = m.start_ms;
        out.producer_id = m.pid.value();
        out.producer_epoch = m.epoch.value();
        for (const auto& tp : m.partitions) {
            if (out.topics.empty() || out.topics.back().topic != tp.topic) out.topics.push_back({tp.topic, {}, {}});
            out.topics.back().partitions.push_back(tp.partition);
        }
    }
    return respond_with(req, response);
}

}  // namespace sluice::broker

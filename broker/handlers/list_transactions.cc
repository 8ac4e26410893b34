// ListTransactions: the transactional ids this broker coordinates, filtered
// by state, producer id and (v1) how long they have run. Unknown state
// names are echoed back, as Kafka does; COORDINATOR_LOAD_IN_PROGRESS while a
// partition loads.
#include "protocol/generated/list_transactions.h"

#include "broker/broker.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"
#include "broker/txn/coordinator.h"

namespace sluice::broker {

using protocol::error_code;

handler_result handle_list_transactions(broker& b, request& req) {
    protocol::list_transactions_request body;
    if (!decode_body(req, body)) return handler_result::close();
    protocol::list_transactions_response response;
    if (b.transactions().loading()) {
        response.error_code = protocol::to_wire(error_code::coordinator_load_in_progress);
        return respond_with(req, response);
    }
    std::set<txn::txn_state> states;
    for (const auto& name : body.state_filters) {
        if (auto s = txn::state_from_name(name)) {
            states.insert(*s);
        } else {
            response.unknown_state_filters.push_back(name);
        }
    }
    // Only unknown names: nothing can match.
    if (states.empty() && !body.state_filters.empty()) return respond_with(req, response);
    std::set<int64_t> producers(body.producer_id_filters.begin(), body.producer_id_filters.end());
    for (const auto& m : b.transactions().list(states, producers, body.duration_filter, now_ms())) {
        // Kafka lists the ids the principal may DESCRIBE.
        if (!transactional_id_authorized(b, req, acl_operation::describe, m.transactional_id)) continue;
        response.transaction_states.push_back(
            {m.transactional_id, m.pid.value(), std::string(txn::state_name(m.state)), {}});
    }
    return respond_with(req, response);
}

}  // namespace sluice::broker

#pragma once
// InitProducerId, apart from the broker. For a producer without a
// transactional id (an idempotent one), as Kafka answers it: a new producer
// id at epoch 0 from the producer id manager, whatever producer id and epoch
// it sent (v3+), on any broker. Refusals: INVALID_REQUEST when only one of
// producer id and epoch is -1 or the transactional id is empty;
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED for a transactional id, as Produce
// answers transactional producers until transactions are served;
// COORDINATOR_LOAD_IN_PROGRESS (retriable) when no block of ids could be had.
// An error carries producer id -1 and epoch -1.
#include <functional>

#include "protocol/generated/init_producer_id.h"

namespace sluice::broker {

namespace txn {
class producer_id_manager;
}

// `done` once, inline when the answer is at hand.
void answer_init_producer_id(const protocol::init_producer_id_request& body, txn::producer_id_manager& ids,
                             std::function<void(protocol::init_producer_id_response)> done);

}  // namespace sluice::broker

// ListPartitionReassignments: the reassignments in progress. Sluice does not
// move replicas (AlterPartitionReassignments is not served), so none ever
// is: the answer is an empty list, which is also what Kafka answers for
// named partitions (known or not) that are not being reassigned.
#include "broker/handlers/handlers.h"
#include "protocol/generated/list_partition_reassignments.h"

namespace sluice::broker {

handler_result handle_list_partition_reassignments(broker&, request& req) {
    protocol::list_partition_reassignments_request body;
    if (!decode_body(req, body)) return handler_result::close();
    return respond_with(req, protocol::list_partition_reassignments_response{});
}

}  // namespace sluice::broker

// DeleteRecords: raises a partition's log start offset (-1 = up to the high
// watermark); whole segments below it are deleted.
#include "protocol/generated/delete_records.h"

#include "broker/broker.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"
#include "broker/topics/topic_registry.h"
#include "log/partition_log.h"

namespace sluice::broker {

using protocol::error_code;
using protocol::to_wire;
using response_t = protocol::delete_records_response;

handler_result handle_delete_records(broker& b, request& req) {
    protocol::delete_records_request body;
    if (!decode_body(req, body)) return handler_result::close();
    response_t response;
    for (const auto& t : body.topics) {
        response_t::delete_records_topic_result topic_out;
        topic_out.name = t.name;
        for (const auto& p : t.partitions) {
            response_t::delete_records_partition_result out;
            out.partition_index = p.partition_index;
            out.low_watermark = -1;
            partition_state* ps = b.topics().find(t.name, p.partition_index);
            if (!topic_authorized(b, req, acl_operation::remove, t.name)) {
                out.error_code = to_wire(error_code::topic_authorization_failed);
            } else if (ps == nullptr) {
                out.error_code = to_wire(error_code::unknown_topic_or_partition);
            } else {
                int64_t offset = p.offset == -1 ? ps->log->high_watermark() : p.offset;
                error_code e = offset < 0 || offset > ps->log->high_watermark()
                                   ? error_code::offset_out_of_range
                                   : ps->log->delete_records_before(offset);
                out.error_code = to_wire(e);
                out.low_watermark = ps->log->log_start_offset();
                if (e == error_code::none) {
                    b.enforce_retention(*ps->log, now_ms());
                    ps->notify();
                }
            }
            topic_out.partitions.push_back(out);
        }
        response.topics.push_back(std::move(topic_out));
    }
    return respond_with(req, response);
}

}  // namespace sluice::broker

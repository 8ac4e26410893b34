#pragma once
// The produce side of broker-side schema-id validation
// (schema_registry/schema_id_check.h): on a topic with
// confluent.value.schema.validation (or .key.) set, every record of a batch
// must carry a schema id registered under the topic's subject, else the
// whole batch is refused with INVALID_RECORD, each such record named
// (KIP-467). Topics without the settings pay one flag test.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/config/topic_config.h"
#include "protocol/error_code.h"
#include "protocol/generated/produce.h"
#include "protocol/wire.h"

namespace sluice::broker::schema_registry {
class registry_service;
class registry_state;
}  // namespace sluice::broker::schema_registry

namespace sluice::broker {

class broker;

inline bool validates_schema_ids(const topic_settings& s) {
    return s.value_schema_validation || s.key_schema_validation;
}

struct schema_id_refusal {
    protocol::error_code code = protocol::error_code::none;
    std::vector<protocol::produce_response::batch_index_and_error_message> record_errors;
    std::optional<std::string> message;
};

// Checks every record of `batch` (one validated v2 batch, compressed or
// not). `registry` is this broker's (null when schema.registry.listeners is
// empty: nothing can be checked, so everything is refused). When a record's
// id is not in the registry's state, the state first catches up with what
// `_schemas` has committed since (a registration moments ago), then the
// batch is checked again.
schema_id_refusal refuse_schema_ids(schema_registry::registry_service* registry, protocol::bytes_view batch,
                                    const topic_settings& settings, std::string_view topic);

// On a broker whose registry may not have seen a committed registration yet
// (it reads `_schemas` from the leader, or its own copy holds records past
// the high watermark: registry_service::may_catch_up): true when a batch of
// `body` for a validated topic this broker leads names an id the state
// lacks, so the request should wait for that (bounded) before it is
// produced; the check then runs again, as usual.
bool schema_ids_await_catch_up(broker& b, const protocol::produce_request& body);

// The same check against one state, without catching up. `may_be_stale`
// is set when a refusal could be the state lagging (an unknown id, or one
// outside the subject).
schema_id_refusal check_schema_ids(const schema_registry::registry_state& state, protocol::bytes_view batch,
                                   const topic_settings& settings, std::string_view topic, bool& may_be_stale);

}  // namespace sluice::broker

#pragma once
// Broker-side schema-id validation, as Confluent Server's topic configs
// confluent.value.schema.validation and confluent.key.schema.validation:
// a record's value (key) must carry Confluent's wire format, magic byte 0
// then a 4-byte big-endian schema id, and that id must be registered under
// the topic's subject (topic-name strategy: `<topic>-value`, `<topic>-key`).
// The payload after the id is not looked at, as Confluent's does not.
//
// A null value or key passes (tombstones must reach compacted topics), as
// Confluent documents. Any version of the subject counts, soft-deleted ones
// included: a soft delete keeps the schema readable by id, so records that
// carry it stay decodable; a permanently deleted version no longer counts.
//
// Pure lookups in the in-memory registry_state: no I/O, no allocation
// unless a record is refused.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "broker/schema_registry/registry_state.h"

namespace sluice::broker::schema_registry {

enum class schema_id_problem : uint8_t {
    none,
    too_short,       // fewer than 5 bytes
    wrong_magic,     // first byte not 0
    unknown_id,      // no schema has that id
    not_in_subject,  // registered, but under no version of the subject
};

struct schema_id_verdict {
    schema_id_problem problem = schema_id_problem::none;
    int32_t id = 0;  // the id read, when there were 5 bytes
};

// `subject` must name the topic's subject; `payload` is the key or value.
schema_id_verdict check_schema_id(const registry_state& state, std::string_view subject, std::string_view payload);

// What a refused record's error says (KIP-467 record error message).
// `part` is "key" or "value".
std::string describe(const schema_id_verdict& v, std::string_view part, std::string_view subject);

// `<topic>-value` or `<topic>-key`.
std::string subject_of(std::string_view topic, bool key);

}  // namespace sluice::broker::schema_registry

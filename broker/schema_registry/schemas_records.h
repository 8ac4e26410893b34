#pragma once
// The records of the `_schemas` topic, in Confluent Schema Registry's own
// JSON formats, so a Confluent registry pointed at the cluster (or ours
// after a restart) reads the same subjects, versions and ids.
//
// Keys (UTF-8 JSON; field order as Confluent writes it):
//   {"keytype":"SCHEMA","subject":"s","version":1,"magic":1}
//   {"keytype":"CONFIG","subject":"s"|null,"magic":0}      null: global
//   {"keytype":"MODE","subject":"s"|null,"magic":0}
//   {"keytype":"DELETE_SUBJECT","subject":"s","magic":0}
//   {"keytype":"NOOP","magic":0}
// Values:
//   SCHEMA  {"subject","version","id","schemaType" (absent for AVRO),
//            "references" ([{"name","subject","version"}], absent when none),
//            "schema","deleted"}
//   CONFIG  {"compatibilityLevel":"BACKWARD"}
//   MODE    {"mode":"READWRITE"}
//   DELETE_SUBJECT {"subject":"s","version":N}: versions up to N are
//            soft-deleted
// A null value (tombstone) on a SCHEMA key deletes that version for good;
// on CONFIG or MODE it removes the subject's setting. The topic is
// compacted, so only the latest value per key matters.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::broker::schema_registry {

inline constexpr std::string_view schemas_topic_name = "_schemas";

enum class key_type { schema, config, mode, delete_subject, noop };

struct record_key {
    key_type type = key_type::noop;
    std::optional<std::string> subject;  // nullopt: global (CONFIG, MODE)
    int32_t version = 0;                 // SCHEMA only
};

struct schema_reference {
    std::string name;
    std::string subject;
    int32_t version = 0;
    bool operator==(const schema_reference&) const = default;
};

struct schema_value {
    std::string subject;
    int32_t version = 0;
    int32_t id = 0;
    std::string type = "AVRO";
    std::vector<schema_reference> references;
    std::string schema;
    bool deleted = false;
};

// One record as appended: key and value (nullopt: tombstone).
struct schemas_record {
    std::string key;
    std::optional<std::string> value;
};

std::string encode_key(const record_key& k);
std::optional<record_key> decode_key(std::string_view text);

std::string encode_schema_value(const schema_value& v);
std::optional<schema_value> decode_schema_value(std::string_view text);

std::string encode_config_value(std::string_view level);
std::string encode_mode_value(std::string_view mode);
std::string encode_delete_subject_value(std::string_view subject, int32_t version);
// The named string field of a CONFIG/MODE value, or of DELETE_SUBJECT's version.
std::optional<std::string> decode_string_field(std::string_view text, std::string_view field);
std::optional<int32_t> decode_int_field(std::string_view text, std::string_view field);

}  // namespace sluice::broker::schema_registry

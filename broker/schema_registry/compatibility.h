#pragma once
// Schema formats and compatibility levels: turning a submitted schema into
// the form the registry stores and compares, and checking a new schema
// against a subject's earlier ones at a level.
//
// What each format covers:
//   AVRO      parsed (avro_schema.h) and checked with Avro's resolution
//             rules (avro_compat.h). Stored compact (whitespace dropped);
//             with normalize, object keys sorted too.
//   JSON      must be JSON (an object or a boolean); stored compact (keys
//             sorted with normalize); checked with json_schema_compat.h
//             (Confluent's main rules; keywords it does not check are
//             refused when they change).
//   PROTOBUF  parsed with protobuf's compiler (protobuf_schema.h), imports
//             resolved through the references; stored as given; checked
//             with Confluent's rules (protobuf_compat.h).
// "The same schema" is the same type, stored text and references.
#include <boost/json/value.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "broker/schema_registry/avro_schema.h"
#include "broker/schema_registry/protobuf_schema.h"

namespace sluice::broker::schema_registry {

enum class level { none, backward, backward_transitive, forward, forward_transitive, full, full_transitive };

// Case-insensitive, as Confluent's names; nullopt for anything else.
std::optional<level> parse_level(std::string_view name);
std::string_view level_name(level l);
inline constexpr level default_level = level::backward;

// Whether `type` is one this registry accepts.
bool known_type(std::string_view type);

struct candidate {
    std::string type;
    std::string text;                        // as stored
    std::optional<avro::schema> avro;        // AVRO only
    std::optional<boost::json::value> json;  // JSON only
    std::shared_ptr<const protobuf::schema> proto;  // PROTOBUF only
};

// Validates and canonicalizes; the error is a message for 42201.
// `references` are the referenced schemas' texts, dependencies first, and
// `reference_names` their names (as Protobuf imports them; may be empty
// for other types).
std::variant<candidate, std::string> prepare(std::string_view type, std::string_view text,
                                             const std::vector<std::string>& references, bool normalize,
                                             const std::vector<std::string>& reference_names = {});

// Problems found checking `proposed` against `previous` (oldest first) at
// `l`; empty when compatible.
std::vector<std::string> check(level l, const candidate& proposed, const std::vector<candidate>& previous);

}  // namespace sluice::broker::schema_registry

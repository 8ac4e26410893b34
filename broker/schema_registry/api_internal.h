#pragma once
// Shared by the endpoint files: the parsed request and helpers that look
// things up in the state the way every endpoint must (deleted=true, latest).
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <variant>

#include "broker/schema_registry/api.h"
#include "broker/schema_registry/compatibility.h"
#include "broker/schema_registry/rest.h"

namespace sluice::broker::schema_registry::endpoints {

struct request {
    std::string method;
    target t;
    std::string body;
};

plan reply(http::answer a);

// The subject's versions when it exists (has a version not soft-deleted,
// or any version with deleted=true), else 40401.
std::variant<const registry_state::versions*, http::answer> subject_or_error(const registry_state& s,
                                                                             const std::string& subject, bool deleted);
// Resolves `v` (0 = latest) among the versions visible with `deleted`.
std::optional<int32_t> resolve_version(const registry_state::versions& versions, int32_t v, bool deleted);

// The body's {"schema", "schemaType", "references"}, validated and
// prepared; an answer on any error (400, 422, 42201).
struct submitted {
    candidate schema;
    std::vector<schema_reference> references;
    std::optional<int32_t> id;       // IMPORT mode only
    std::optional<int32_t> version;  // IMPORT mode only
};
std::variant<submitted, http::answer> read_submitted(const registry_state& s, const std::string& body, bool normalize);

// The stored schema as a candidate (for comparing and checking).
std::optional<candidate> stored_candidate(const registry_state& s, int32_t id);

// {"subject","version","id","schema"[,"schemaType"][,"references"]}
boost::json::object version_body(const registry_state& s, const std::string& subject, int32_t version, int32_t id);
void add_type_and_references(boost::json::object& o, const stored_schema& schema);

// The effective compatibility level and mode of a subject.
level level_of(const registry_state& s, const std::string& subject);
std::string mode_of(const registry_state& s, const std::string& subject);

plan subjects_read(const request& r, const registry_state& s);
plan schemas_read(const request& r, const registry_state& s);
plan register_schema(const request& r, const registry_state& s);
plan lookup_schema(const request& r, const registry_state& s);
plan delete_subject(const request& r, const registry_state& s);
plan delete_version(const request& r, const registry_state& s);
plan compatibility(const request& r, const registry_state& s);
plan config(const request& r, const registry_state& s);
plan mode(const request& r, const registry_state& s);

}  // namespace sluice::broker::schema_registry::endpoints

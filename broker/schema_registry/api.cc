// Routing and the lookups every endpoint shares.
#include <boost/json/parse.hpp>
#include <memory>
#include <set>
#include <tuple>

#include "broker/schema_registry/api_internal.h"

namespace sluice::broker::schema_registry {

namespace json = boost::json;

namespace endpoints {

plan reply(http::answer a) { return plan{std::move(a), {}}; }

std::variant<const registry_state::versions*, http::answer> subject_or_error(const registry_state& s,
                                                                             const std::string& subject, bool deleted) {
    const registry_state::versions* v = s.find_subject(subject);
    if (v == nullptr || (!deleted && !s.live(subject))) {
        return error_answer(errc::subject_not_found, "Subject '" + subject + "' not found.");
    }
    return v;
}

std::optional<int32_t> resolve_version(const registry_state::versions& versions, int32_t v, bool deleted) {
    if (v == 0) {
        for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
            if (deleted || !it->second.deleted) return it->first;
        }
        return std::nullopt;
    }
    auto it = versions.find(v);
    if (it == versions.end() || (!deleted && it->second.deleted)) return std::nullopt;
    return v;
}

namespace {

constexpr int max_reference_depth = 32;

// The texts of the schemas `refs` name, dependencies first; false when one
// is missing.
bool collect_references(const registry_state& s, const std::vector<schema_reference>& refs, int depth,
                        std::set<int32_t>& seen, std::vector<std::string>& out, std::vector<std::string>& names,
                        std::string& missing) {
    if (depth > max_reference_depth) {
        missing = "references nested too deep";
        return false;
    }
    for (const auto& r : refs) {
        const registry_state::versions* versions = s.find_subject(r.subject);
        std::optional<int32_t> v;
        if (versions != nullptr) v = resolve_version(*versions, r.version == -1 ? 0 : r.version, false);
        const stored_schema* schema = v ? s.schema(versions->at(*v).id) : nullptr;
        if (schema == nullptr) {
            missing = "reference " + r.name + " to subject " + r.subject + " version " + std::to_string(r.version) +
                      " not found";
            return false;
        }
        const int32_t id = versions->at(*v).id;
        if (!seen.insert(id).second) continue;
        if (!collect_references(s, schema->references, depth + 1, seen, out, names, missing)) return false;
        out.push_back(schema->text);
        names.push_back(r.name);
    }
    return true;
}

}  // namespace

std::variant<submitted, http::answer> read_submitted(const registry_state& s, const std::string& body, bool normalize) {
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    if (ec) return error_answer(errc::bad_request, "Unrecognized JSON in the request body: " + ec.message());
    if (!v.is_object()) return error_answer(errc::unprocessable, "The request body must be a JSON object");
    const json::object& o = v.get_object();
    auto schema = o.find("schema");
    if (schema == o.end() || schema->value().is_null()) return error_answer(errc::invalid_schema, "Empty schema");
    if (!schema->value().is_string()) return error_answer(errc::unprocessable, "schema must be a string");
    std::string type = "AVRO";
    if (auto t = o.find("schemaType"); t != o.end() && !t->value().is_null()) {
        if (!t->value().is_string()) return error_answer(errc::unprocessable, "schemaType must be a string");
        type = std::string(t->value().get_string());
    }
    if (!known_type(type)) return error_answer(errc::invalid_schema, "Invalid schema type " + type);
    submitted out;
    if (auto refs = o.find("references"); refs != o.end() && !refs->value().is_null()) {
        if (!refs->value().is_array()) return error_answer(errc::unprocessable, "references must be an array");
        for (const auto& r : refs->value().get_array()) {
            const json::object* ro = r.if_object();
            const json::value* name = ro ? ro->if_contains("name") : nullptr;
            const json::value* subject = ro ? ro->if_contains("subject") : nullptr;
            const json::value* version = ro ? ro->if_contains("version") : nullptr;
            if (!name || !name->is_string() || !subject || !subject->is_string() || !version || !version->is_int64() ||
                version->get_int64() < -1 || version->get_int64() > INT32_MAX) {
                return error_answer(errc::unprocessable, "a reference needs name, subject and version");
            }
            out.references.push_back({std::string(name->get_string()), std::string(subject->get_string()),
                                      static_cast<int32_t>(version->get_int64())});
        }
    }
    // Confluent's "unset" values are -1 (id) and 0 or -1 (version).
    for (auto [key, field, unset_max] : {std::tuple{"id", &out.id, -1}, std::tuple{"version", &out.version, 0}}) {
        auto it = o.find(key);
        if (it == o.end() || it->value().is_null()) continue;
        if (!it->value().is_int64() || it->value().get_int64() < -1 || it->value().get_int64() > INT32_MAX) {
            return error_answer(errc::unprocessable, std::string(key) + " must be an integer");
        }
        if (it->value().get_int64() > unset_max) *field = static_cast<int32_t>(it->value().get_int64());
    }
    std::vector<std::string> texts, names;
    std::set<int32_t> seen;
    std::string missing;
    if (!collect_references(s, out.references, 0, seen, texts, names, missing)) {
        return error_answer(errc::invalid_schema, "Invalid schema: " + missing);
    }
    auto prepared = prepare(type, schema->value().get_string(), texts, normalize, names);
    if (auto* e = std::get_if<std::string>(&prepared)) return error_answer(errc::invalid_schema, *e);
    out.schema = std::move(std::get<candidate>(prepared));
    return out;
}

std::optional<candidate> stored_candidate(const registry_state& s, int32_t id) {
    const stored_schema* schema = s.schema(id);
    if (schema == nullptr) return std::nullopt;
    std::vector<std::string> texts, names;
    std::set<int32_t> seen;
    std::string missing;
    collect_references(s, schema->references, 0, seen, texts, names, missing);
    auto prepared = prepare(schema->type, schema->text, texts, false, names);
    if (auto* c = std::get_if<candidate>(&prepared)) return std::move(*c);
    // Stored by another registry with rules we do not share: compared by
    // text only.
    return candidate{schema->type, schema->text, std::nullopt, std::nullopt, nullptr};
}

void add_type_and_references(json::object& o, const stored_schema& schema) {
    if (schema.type != "AVRO") o["schemaType"] = schema.type;
    if (!schema.references.empty()) {
        json::array refs;
        for (const auto& r : schema.references) {
            refs.push_back(json::object{{"name", r.name}, {"subject", r.subject}, {"version", r.version}});
        }
        o["references"] = std::move(refs);
    }
}

json::object version_body(const registry_state& s, const std::string& subject, int32_t version, int32_t id) {
    json::object o{{"subject", subject}, {"version", version}, {"id", id}};
    if (const stored_schema* schema = s.schema(id)) {
        add_type_and_references(o, *schema);
        o["schema"] = schema->text;
    }
    return o;
}

level level_of(const registry_state& s, const std::string& subject) {
    auto name = s.subject_compatibility(subject);
    if (!name) name = s.global_compatibility();
    if (!name) return default_level;
    return parse_level(*name).value_or(default_level);
}

std::string mode_of(const registry_state& s, const std::string& subject) {
    if (auto m = s.subject_mode(subject)) return *m;
    return s.global_mode().value_or("READWRITE");
}

}  // namespace endpoints

routed route(std::string_view method, std::string_view raw_target, std::string body) {
    using namespace endpoints;
    auto t = parse_target(raw_target);
    auto now = [](http::answer a) {
        return routed{false, [a = std::move(a)](const registry_state&) { return reply(a); }};
    };
    if (!t) return now(error_answer(errc::not_found, "HTTP 404 Not Found"));
    auto r = std::make_shared<request>(request{std::string(method), std::move(*t), std::move(body)});
    auto read = [r](plan (*f)(const request&, const registry_state&)) {
        return routed{false, [r, f](const registry_state& s) { return f(*r, s); }};
    };
    auto write = [r](plan (*f)(const request&, const registry_state&)) {
        return routed{true, [r, f](const registry_state& s) { return f(*r, s); }};
    };
    const auto& p = r->t.path;
    const auto not_allowed = [&] { return now(error_answer(errc::method_not_allowed, "HTTP 405 Method Not Allowed")); };
    const bool get = method == "GET";
    if (p.empty()) return get ? now(json_answer(json::object{})) : not_allowed();
    if (p[0] == "subjects") {
        const bool versions = p.size() >= 3 && p[2] == "versions";
        if (p.size() == 1) return get ? read(subjects_read) : not_allowed();
        if (p.size() == 2) {
            if (method == "POST") return read(lookup_schema);
            if (method == "DELETE") return write(delete_subject);
            return not_allowed();
        }
        if (versions && p.size() == 3) {
            if (get) return read(subjects_read);
            if (method == "POST") return write(register_schema);
            return not_allowed();
        }
        if (versions && p.size() == 4) {
            if (get) return read(subjects_read);
            if (method == "DELETE") return write(delete_version);
            return not_allowed();
        }
        if (versions && p.size() == 5 && (p[4] == "schema" || p[4] == "referencedby")) {
            return get ? read(subjects_read) : not_allowed();
        }
    } else if (p[0] == "schemas") {
        if (p.size() <= 4) return get ? read(schemas_read) : not_allowed();
    } else if (p[0] == "compatibility") {
        if (p.size() >= 4 && p.size() <= 5 && p[1] == "subjects" && p[3] == "versions") {
            return method == "POST" ? read(compatibility) : not_allowed();
        }
    } else if (p[0] == "config" || p[0] == "mode") {
        if (p.size() <= 2) {
            auto f = p[0] == "config" ? config : mode;
            if (get) return read(f);
            if (method == "PUT" || method == "DELETE") return write(f);
            return not_allowed();
        }
    }
    return now(error_answer(errc::not_found, "HTTP 404 Not Found"));
}

}  // namespace sluice::broker::schema_registry

// The read endpoints: subjects and their versions, schemas by id, looking a
// schema up in a subject, and checking a schema's compatibility.
#include <charconv>

#include "broker/schema_registry/api_internal.h"

namespace sluice::broker::schema_registry::endpoints {

namespace json = boost::json;

namespace {

bool same_schema(const candidate& a, const std::vector<schema_reference>& a_refs, const stored_schema& b) {
    return a.type == b.type && a.text == b.text && a_refs == b.references;
}

std::optional<int32_t> parse_id(std::string_view s) {
    int64_t n = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || p != s.data() + s.size() || n < 1 || n > INT32_MAX) return std::nullopt;
    return static_cast<int32_t>(n);
}

}  // namespace

plan subjects_read(const request& r, const registry_state& s) {
    const auto& p = r.t.path;
    const bool deleted = r.t.flag("deleted");
    if (p.size() == 1) {  // GET /subjects
        auto prefix = r.t.query.find("subjectPrefix");
        json::array out;
        for (const auto& [name, versions] : s.subjects()) {
            if (prefix != r.t.query.end() && !name.starts_with(prefix->second)) continue;
            if (deleted || s.live(name)) out.emplace_back(name);
        }
        return reply(json_answer(out));
    }
    const std::string& subject = p[1];
    auto found = subject_or_error(s, subject, deleted);
    if (auto* a = std::get_if<http::answer>(&found)) return reply(std::move(*a));
    const auto& versions = *std::get<const registry_state::versions*>(found);
    if (p.size() == 3) {  // GET /subjects/{s}/versions
        json::array out;
        for (const auto& [v, info] : versions) {
            if (deleted || !info.deleted) out.emplace_back(v);
        }
        return reply(json_answer(out));
    }
    auto v = parse_version(p[3]);
    if (!v) return reply(error_answer(errc::invalid_version, invalid_version_message(p[3])));
    auto version = resolve_version(versions, *v, deleted);
    if (!version) return reply(error_answer(errc::version_not_found, "Version " + p[3] + " not found."));
    const int32_t id = versions.at(*version).id;
    if (p.size() == 5 && p[4] == "schema") {  // the schema itself, not a JSON string
        http::answer a;
        a.content_type = std::string(content_type);
        if (const stored_schema* schema = s.schema(id)) a.body = schema->text;
        return reply(std::move(a));
    }
    if (p.size() == 5) {  // referencedby: ids of schemas whose references name this version
        json::array out;
        for (const auto& [other, schema] : s.schemas()) {
            for (const auto& ref : schema.references) {
                if (ref.subject == subject && ref.version == *version) {
                    out.emplace_back(other);
                    break;
                }
            }
        }
        return reply(json_answer(out));
    }
    return reply(json_answer(version_body(s, subject, *version, id)));
}

plan schemas_read(const request& r, const registry_state& s) {
    const auto& p = r.t.path;
    if (p.size() == 2 && p[1] == "types") return reply(json_answer(json::array{"JSON", "PROTOBUF", "AVRO"}));
    if (p.size() == 1) {  // GET /schemas: every version, by subject (subjectPrefix, deleted, latestOnly)
        auto prefix = r.t.query.find("subjectPrefix");
        const bool deleted = r.t.flag("deleted");
        const bool latest_only = r.t.flag("latestOnly");
        json::array out;
        for (const auto& [subject, versions] : s.subjects()) {
            if (prefix != r.t.query.end() && !subject.starts_with(prefix->second)) continue;
            if (latest_only) {
                if (auto v = resolve_version(versions, 0, deleted)) {
                    out.push_back(version_body(s, subject, *v, versions.at(*v).id));
                }
                continue;
            }
            for (const auto& [v, info] : versions) {
                if (!info.deleted || deleted) out.push_back(version_body(s, subject, v, info.id));
            }
        }
        return reply(json_answer(out));
    }
    if (p.size() < 3 || p[1] != "ids") return reply(error_answer(errc::not_found, "HTTP 404 Not Found"));
    auto id = parse_id(p[2]);
    const stored_schema* schema = id ? s.schema(*id) : nullptr;
    if (schema == nullptr) return reply(error_answer(errc::schema_not_found, "Schema " + p[2] + " not found"));
    if (p.size() == 3) {
        json::object o;
        add_type_and_references(o, *schema);
        o["schema"] = schema->text;
        return reply(json_answer(o));
    }
    const bool deleted = r.t.flag("deleted");
    if (p[3] == "schema") {
        http::answer a;
        a.content_type = std::string(content_type);
        a.body = schema->text;
        return reply(std::move(a));
    }
    if (p[3] != "versions" && p[3] != "subjects") return reply(error_answer(errc::not_found, "HTTP 404 Not Found"));
    json::array out;
    for (const auto& [subject, versions] : s.subjects()) {
        bool listed = false;
        for (const auto& [v, info] : versions) {
            if (info.id != *id || (info.deleted && !deleted)) continue;
            if (p[3] == "versions") {
                out.push_back(json::object{{"subject", subject}, {"version", v}});
            } else if (!listed) {
                out.emplace_back(subject);
                listed = true;
            }
        }
    }
    return reply(json_answer(out));
}

plan lookup_schema(const request& r, const registry_state& s) {
    const std::string& subject = r.t.path[1];
    const bool deleted = r.t.flag("deleted");
    auto found = subject_or_error(s, subject, deleted);
    if (auto* a = std::get_if<http::answer>(&found)) return reply(std::move(*a));
    auto given = read_submitted(s, r.body, r.t.flag("normalize"));
    if (auto* a = std::get_if<http::answer>(&given)) return reply(std::move(*a));
    const auto& sub = std::get<submitted>(given);
    const auto& versions = *std::get<const registry_state::versions*>(found);
    for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
        if (it->second.deleted && !deleted) continue;
        const stored_schema* schema = s.schema(it->second.id);
        if (schema != nullptr && same_schema(sub.schema, sub.references, *schema)) {
            return reply(json_answer(version_body(s, subject, it->first, it->second.id)));
        }
    }
    return reply(error_answer(errc::schema_not_found, "Schema not found"));
}

plan compatibility(const request& r, const registry_state& s) {
    const std::string& subject = r.t.path[2];
    const bool all = r.t.path.size() == 4;  // /compatibility/subjects/{s}/versions
    auto given = read_submitted(s, r.body, r.t.flag("normalize"));
    if (auto* a = std::get_if<http::answer>(&given)) return reply(std::move(*a));
    const auto& sub = std::get<submitted>(given);
    level l = level_of(s, subject);
    std::vector<candidate> previous;
    const registry_state::versions* versions = s.find_subject(subject);
    if (all) {
        if (versions != nullptr) {
            for (const auto& [v, info] : *versions) {
                if (info.deleted) continue;
                if (auto c = stored_candidate(s, info.id)) previous.push_back(std::move(*c));
            }
        }
    } else {
        auto v = parse_version(r.t.path[4]);
        if (!v) return reply(error_answer(errc::invalid_version, invalid_version_message(r.t.path[4])));
        if (versions == nullptr || !s.live(subject)) {
            return reply(error_answer(errc::subject_not_found, "Subject '" + subject + "' not found."));
        }
        auto version = resolve_version(*versions, *v, false);
        if (!version) return reply(error_answer(errc::version_not_found, "Version " + r.t.path[4] + " not found."));
        if (auto c = stored_candidate(s, versions->at(*version).id)) previous.push_back(std::move(*c));
        // One version named: the level's direction, against it alone.
        if (l == level::backward_transitive) l = level::backward;
        if (l == level::forward_transitive) l = level::forward;
        if (l == level::full_transitive) l = level::full;
    }
    auto problems = check(l, sub.schema, previous);
    json::object o{{"is_compatible", problems.empty()}};
    if (r.t.flag("verbose")) {
        json::array messages;
        for (auto& m : problems)
            messages.emplace_back(m);
        o["messages"] = std::move(messages);
    }
    return reply(json_answer(o));
}

}  // namespace sluice::broker::schema_registry::endpoints

// /config and /mode, global and per subject: compatibility levels and
// modes, each a CONFIG or MODE record (a tombstone to remove one).
#include <boost/json/parse.hpp>

#include "broker/schema_registry/api_internal.h"

namespace sluice::broker::schema_registry::endpoints {

namespace json = boost::json;

namespace {

constexpr std::string_view modes[] = {"READWRITE", "READONLY", "READONLY_OVERRIDE", "IMPORT"};

// The string field `name` of the body; an answer on malformed input.
std::variant<std::string, http::answer> body_field(const std::string& body, std::string_view name) {
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    if (ec) return error_answer(errc::bad_request, "Unrecognized JSON in the request body: " + ec.message());
    const json::object* o = v.if_object();
    const json::value* f = o ? o->if_contains(name) : nullptr;
    if (f == nullptr || !f->is_string()) return std::string();
    return std::string(f->get_string());
}

}  // namespace

plan config(const request& r, const registry_state& s) {
    const bool global = r.t.path.size() == 1;
    const std::string subject = global ? std::string() : r.t.path[1];
    const auto key = encode_key({key_type::config, global ? std::nullopt : std::optional(subject), 0});
    const auto current = global ? s.global_compatibility() : s.subject_compatibility(subject);
    if (r.method == "GET") {
        if (global || current) {
            return reply(json_answer(
                json::object{{"compatibilityLevel", current.value_or(std::string(level_name(default_level)))}}));
        }
        if (r.t.flag("defaultToGlobal")) {
            return reply(json_answer(json::object{{"compatibilityLevel", std::string(level_name(level_of(s, "")))}}));
        }
        return reply(error_answer(errc::subject_level_compatibility_not_configured,
                                  "Subject '" + subject + "' does not have subject-level compatibility configured"));
    }
    if (r.method == "DELETE") {
        if (!global && !current)
            return reply(error_answer(errc::subject_not_found, "Subject '" + subject + "' not found."));
        plan out;
        out.reply =
            json_answer(json::object{{"compatibilityLevel", current.value_or(std::string(level_name(default_level)))}});
        if (current) out.records.push_back({key, std::nullopt});
        return out;
    }
    auto given = body_field(r.body, "compatibility");
    if (auto* a = std::get_if<http::answer>(&given)) return reply(std::move(*a));
    auto l = parse_level(std::get<std::string>(given));
    if (!l) {
        return reply(error_answer(errc::invalid_compatibility_level,
                                  "Invalid compatibility level. Valid values are none, backward, forward, full, "
                                  "backward_transitive, forward_transitive, and full_transitive"));
    }
    const std::string name(level_name(*l));
    plan out;
    out.reply = json_answer(json::object{{"compatibility", name}});
    out.records.push_back({key, encode_config_value(name)});
    return out;
}

plan mode(const request& r, const registry_state& s) {
    const bool global = r.t.path.size() == 1;
    const std::string subject = global ? std::string() : r.t.path[1];
    const auto key = encode_key({key_type::mode, global ? std::nullopt : std::optional(subject), 0});
    const auto current = global ? s.global_mode() : s.subject_mode(subject);
    if (r.method == "GET") {
        if (global || current) return reply(json_answer(json::object{{"mode", current.value_or("READWRITE")}}));
        if (r.t.flag("defaultToGlobal")) return reply(json_answer(json::object{{"mode", mode_of(s, "")}}));
        return reply(error_answer(errc::subject_level_mode_not_configured,
                                  "Subject '" + subject + "' does not have subject-level mode configured"));
    }
    if (r.method == "DELETE") {
        if (!global && !current)
            return reply(error_answer(errc::subject_not_found, "Subject '" + subject + "' not found."));
        plan out;
        out.reply = json_answer(json::object{{"mode", current.value_or("READWRITE")}});
        if (current) out.records.push_back({key, std::nullopt});
        return out;
    }
    auto given = body_field(r.body, "mode");
    if (auto* a = std::get_if<http::answer>(&given)) return reply(std::move(*a));
    std::string m = std::get<std::string>(given);
    for (char& c : m)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (std::find(std::begin(modes), std::end(modes), m) == std::end(modes)) {
        return reply(error_answer(errc::invalid_mode,
                                  "Invalid mode. Valid values are READWRITE, READONLY, READONLY_OVERRIDE, IMPORT"));
    }
    // IMPORT keeps ids given by the importer, so it needs an empty registry.
    if (m == "IMPORT" && !r.t.flag("force")) {
        bool empty = true;
        for (const auto& [name, versions] : s.subjects()) {
            if (global || name == subject) empty = false;
        }
        if (!empty) {
            return reply(error_answer(errc::operation_not_permitted, "Cannot import since found existing subjects"));
        }
    }
    plan out;
    out.reply = json_answer(json::object{{"mode", m}});
    out.records.push_back({key, encode_mode_value(m)});
    return out;
}

}  // namespace sluice::broker::schema_registry::endpoints

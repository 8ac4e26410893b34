// The write endpoints on subjects: registering a schema and deleting
// versions or whole subjects, soft (marked deleted) or permanently
// (tombstones, only after a soft delete, as Confluent).
#include <algorithm>

#include "broker/schema_registry/api_internal.h"

namespace sluice::broker::schema_registry::endpoints {

namespace json = boost::json;

namespace {

bool read_only(const std::string& mode) { return mode == "READONLY" || mode == "READONLY_OVERRIDE"; }

http::answer read_only_answer(const std::string& subject) {
    return error_answer(errc::operation_not_permitted, "Subject " + subject + " is in read-only mode");
}

schemas_record schema_record(const std::string& subject, int32_t version, int32_t id, const stored_schema& schema,
                             bool deleted) {
    schema_value v{subject, version, id, schema.type, schema.references, schema.text, deleted};
    return {encode_key({key_type::schema, subject, version}), encode_schema_value(v)};
}

schemas_record tombstone(const std::string& subject, int32_t version) {
    return {encode_key({key_type::schema, subject, version}), std::nullopt};
}

// Whether a schema still in use references `subject` at `version`.
bool referenced(const registry_state& s, const std::string& subject, int32_t version) {
    for (const auto& [other, versions] : s.subjects()) {
        for (const auto& [v, info] : versions) {
            if (info.deleted) continue;
            const stored_schema* schema = s.schema(info.id);
            if (schema == nullptr) continue;
            for (const auto& ref : schema->references) {
                if (ref.subject == subject && ref.version == version) return true;
            }
        }
    }
    return false;
}

// IMPORT mode: the given id and version are kept (no compatibility check,
// as Confluent), unless they would overwrite another schema.
plan import_schema(const std::string& subject, const submitted& sub, const stored_schema& proposed,
                   const registry_state::versions* versions, int32_t last_version, const registry_state& s) {
    const int32_t version = sub.version.value_or(last_version + 1);
    if (versions != nullptr && versions->contains(version)) {
        return reply(error_answer(errc::operation_not_permitted, "Overwrite new schema with version " +
                                                                     std::to_string(version) + " is not permitted."));
    }
    int32_t id = s.max_id() + 1;
    if (sub.id) {
        const stored_schema* known = s.schema(*sub.id);
        if (known != nullptr && !(known->type == proposed.type && known->text == proposed.text &&
                                  known->references == proposed.references)) {
            return reply(
                error_answer(errc::operation_not_permitted,
                             "Overwrite new schema with id " + std::to_string(*sub.id) + " is not permitted."));
        }
        id = *sub.id;
    }
    plan out;
    out.reply = json_answer(json::object{{"id", id}});
    out.records.push_back(schema_record(subject, version, id, proposed, false));
    return out;
}

// A subject left without live versions loses its own level and mode, as
// Confluent's soft deletes do.
void drop_subject_settings(const registry_state& s, const std::string& subject, plan& out) {
    if (s.subject_compatibility(subject))
        out.records.push_back({encode_key({key_type::config, subject, 0}), std::nullopt});
    if (s.subject_mode(subject)) out.records.push_back({encode_key({key_type::mode, subject, 0}), std::nullopt});
}

}  // namespace

plan register_schema(const request& r, const registry_state& s) {
    const std::string& subject = r.t.path[1];
    // Confluent refuses names with control characters (they cannot be shown or typed).
    if (std::any_of(subject.begin(), subject.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
        return reply(error_answer(errc::invalid_subject, "The specified subject is not a valid subject name"));
    }
    const std::string mode = mode_of(s, subject);
    if (read_only(mode)) return reply(read_only_answer(subject));
    auto given = read_submitted(s, r.body, r.t.flag("normalize"));
    if (auto* a = std::get_if<http::answer>(&given)) return reply(std::move(*a));
    auto& sub = std::get<submitted>(given);
    // An id or version given is an import (another registry's schemas
    // copied with their ids); anything else needs READWRITE.
    const bool importing = sub.id || sub.version;
    if (importing != (mode == "IMPORT")) {
        return reply(
            error_answer(errc::operation_not_permitted,
                         "Subject " + subject + (importing ? " is not in import mode" : " is not in read-write mode")));
    }
    const stored_schema proposed{sub.schema.type, sub.schema.text, sub.references};
    auto same = [&proposed](const stored_schema& other) {
        return other.type == proposed.type && other.text == proposed.text && other.references == proposed.references;
    };
    const registry_state::versions* versions = s.find_subject(subject);
    std::vector<candidate> previous;
    int32_t last_version = 0;
    if (versions != nullptr) {
        for (const auto& [v, info] : *versions) {
            last_version = std::max(last_version, v);
            if (info.deleted) continue;
            const stored_schema* schema = s.schema(info.id);
            // Already registered here: its id, nothing written.
            if (schema != nullptr && same(*schema)) {
                if (sub.id && *sub.id != info.id) {
                    return reply(error_answer(errc::id_does_not_match,
                                              "Schema already registered with id " + std::to_string(info.id) +
                                                  " instead of input id " + std::to_string(*sub.id)));
                }
                return reply(json_answer(json::object{{"id", info.id}}));
            }
            if (auto c = stored_candidate(s, info.id)) previous.push_back(std::move(*c));
        }
    }
    if (importing) return import_schema(subject, sub, proposed, versions, last_version, s);
    auto problems = check(level_of(s, subject), sub.schema, previous);
    if (!problems.empty()) {
        std::string details;
        for (const auto& p : problems)
            details += (details.empty() ? "" : ", ") + p;
        return reply(error_answer(errc::conflict,
                                  "Schema being registered is incompatible with an earlier schema for "
                                  "subject \"" +
                                      subject + "\", details: [" + details + "]"));
    }
    // The same schema under another subject keeps its id; else a new one,
    // never one used before.
    int32_t id = s.max_id() + 1;
    for (const auto& [known, schema] : s.schemas()) {
        if (same(schema)) {
            id = known;
            break;
        }
    }
    plan out;
    out.reply = json_answer(json::object{{"id", id}});
    out.records.push_back(schema_record(subject, last_version + 1, id, proposed, false));
    return out;
}

plan delete_version(const request& r, const registry_state& s) {
    const std::string& subject = r.t.path[1];
    const bool permanent = r.t.flag("permanent");
    if (read_only(mode_of(s, subject))) return reply(read_only_answer(subject));
    auto found = subject_or_error(s, subject, permanent);
    if (auto* a = std::get_if<http::answer>(&found)) return reply(std::move(*a));
    const auto& versions = *std::get<const registry_state::versions*>(found);
    auto v = parse_version(r.t.path[3]);
    if (!v) return reply(error_answer(errc::invalid_version, invalid_version_message(r.t.path[3])));
    auto version = resolve_version(versions, *v, permanent);
    if (!version) return reply(error_answer(errc::version_not_found, "Version " + r.t.path[3] + " not found."));
    const version_info& info = versions.at(*version);
    const std::string named = "Subject '" + subject + "' Version " + std::to_string(*version);
    if (!permanent && info.deleted) {
        return reply(error_answer(errc::version_soft_deleted,
                                  named + " was soft deleted.Set permanent=true to delete permanently"));
    }
    if (permanent && !info.deleted) {
        return reply(error_answer(errc::version_not_soft_deleted,
                                  named + " was not deleted first before being permanently deleted"));
    }
    if (referenced(s, subject, *version)) {
        return reply(error_answer(errc::reference_exists, "One or more references exist to the schema {subject=" +
                                                              subject + ",version=" + std::to_string(*version) + "}"));
    }
    plan out;
    out.reply = json_answer(json::value(*version));
    if (permanent) {
        out.records.push_back(tombstone(subject, *version));
    } else if (const stored_schema* schema = s.schema(info.id)) {
        out.records.push_back(schema_record(subject, *version, info.id, *schema, true));
        const bool last = std::none_of(versions.begin(), versions.end(),
                                       [&](const auto& e) { return e.first != *version && !e.second.deleted; });
        if (last) drop_subject_settings(s, subject, out);
    }
    return out;
}

plan delete_subject(const request& r, const registry_state& s) {
    const std::string& subject = r.t.path[1];
    const bool permanent = r.t.flag("permanent");
    if (read_only(mode_of(s, subject))) return reply(read_only_answer(subject));
    const registry_state::versions* versions = s.find_subject(subject);
    if (versions == nullptr)
        return reply(error_answer(errc::subject_not_found, "Subject '" + subject + "' not found."));
    const bool live = s.live(subject);
    if (!permanent && !live) {
        return reply(error_answer(errc::subject_soft_deleted, "Subject '" + subject +
                                                                  "' was soft deleted.Set permanent=true to delete "
                                                                  "permanently"));
    }
    if (permanent && live) {
        return reply(error_answer(errc::subject_not_soft_deleted,
                                  "Subject '" + subject + "' was not deleted first before being permanently deleted"));
    }
    json::array deleted;
    plan out;
    if (permanent) {
        for (const auto& [v, info] : *versions) {
            if (referenced(s, subject, v)) {
                return reply(error_answer(errc::reference_exists,
                                          "One or more references exist to the schema {subject=" + subject +
                                              ",version=" + std::to_string(v) + "}"));
            }
            deleted.emplace_back(v);
            out.records.push_back(tombstone(subject, v));
        }
    } else {
        for (const auto& [v, info] : *versions) {
            if (info.deleted) continue;
            if (referenced(s, subject, v)) {
                return reply(error_answer(errc::reference_exists,
                                          "One or more references exist to the schema {subject=" + subject +
                                              ",version=" + std::to_string(v) + "}"));
            }
            deleted.emplace_back(v);
        }
        out.records.push_back({encode_key({key_type::delete_subject, subject, 0}),
                               encode_delete_subject_value(subject, versions->rbegin()->first)});
        drop_subject_settings(s, subject, out);
    }
    out.reply = json_answer(deleted);
    return out;
}

}  // namespace sluice::broker::schema_registry::endpoints

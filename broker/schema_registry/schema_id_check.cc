#include "broker/schema_registry/schema_id_check.h"

#include <fmt/format.h>

namespace sluice::broker::schema_registry {

namespace {
constexpr size_t wire_header_bytes = 5;  // magic byte + schema id
constexpr uint8_t wire_magic = 0;
}  // namespace

schema_id_verdict check_schema_id(const registry_state& state, std::string_view subject, std::string_view payload) {
    if (payload.size() < wire_header_bytes) return {schema_id_problem::too_short, 0};
    const auto* p = reinterpret_cast<const uint8_t*>(payload.data());
    if (p[0] != wire_magic) return {schema_id_problem::wrong_magic, 0};
    const int32_t id =
        static_cast<int32_t>((uint32_t{p[1]} << 24) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 8) | uint32_t{p[4]});
    // A permanently deleted version's schema is forgotten once unused, and
    // its subject entry removed: both checks below miss it.
    if (state.schema(id) == nullptr) return {schema_id_problem::unknown_id, id};
    const registry_state::versions* versions = state.find_subject(subject);
    if (versions != nullptr) {
        for (const auto& [version, info] : *versions) {
            if (info.id == id) return {schema_id_problem::none, id};
        }
    }
    return {schema_id_problem::not_in_subject, id};
}

std::string describe(const schema_id_verdict& v, std::string_view part, std::string_view subject) {
    switch (v.problem) {
        case schema_id_problem::none:
            return {};
        case schema_id_problem::too_short:
            return fmt::format(
                "The record's {} is shorter than the 5-byte schema registry header (magic byte and "
                "schema id) that subject '{}' requires",
                part, subject);
        case schema_id_problem::wrong_magic:
            return fmt::format("The record's {} does not start with the schema registry magic byte 0 (subject '{}')",
                               part, subject);
        case schema_id_problem::unknown_id:
            return fmt::format("The record's {} carries schema id {}, which is not registered (subject '{}')", part,
                               v.id, subject);
        case schema_id_problem::not_in_subject:
            return fmt::format("The record's {} carries schema id {}, which is not registered under subject '{}'", part,
                               v.id, subject);
    }
    return {};
}

std::string subject_of(std::string_view topic, bool key) { return fmt::format("{}-{}", topic, key ? "key" : "value"); }

}  // namespace sluice::broker::schema_registry

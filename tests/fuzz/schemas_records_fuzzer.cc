// `_schemas` records from arbitrary bytes, as a registry rebuilding from the
// topic reads them (written by Sluice, by a Confluent registry, or by anyone
// with produce rights): the key and value decoders, and registry_state::apply
// over a sequence of records.
//
// Input: texts separated by 0xFF, taken as key, value, key, value, ...; a
// value of exactly "~" is a tombstone.
//
// Checks: nothing crashes; a key or SCHEMA value that decodes, encoded
// again, decodes to the same fields; apply refuses without changing the
// state (its max id stays) and never lowers the max id.
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "broker/schema_registry/registry_state.h"
#include "broker/schema_registry/schemas_records.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/schema_split.h"

namespace sr = sluice::broker::schema_registry;

namespace {

void round_trip_key(const std::string& text) {
    auto k = sr::decode_key(text);
    if (!k) return;
    auto again = sr::decode_key(sr::encode_key(*k));
    SLUICE_FUZZ_CHECK(again.has_value(), "an encoded key decodes");
    SLUICE_FUZZ_CHECK(again->type == k->type, "key type kept");
    // A NOOP key's subject means nothing and is not written back.
    if (k->type != sr::key_type::noop) SLUICE_FUZZ_CHECK(again->subject == k->subject, "key subject kept");
    if (k->type == sr::key_type::schema) SLUICE_FUZZ_CHECK(again->version == k->version, "key version kept");
}

void round_trip_value(const std::string& text) {
    auto v = sr::decode_schema_value(text);
    if (v) {
        auto again = sr::decode_schema_value(sr::encode_schema_value(*v));
        SLUICE_FUZZ_CHECK(again.has_value(), "an encoded schema value decodes");
        SLUICE_FUZZ_CHECK(again->subject == v->subject && again->version == v->version && again->id == v->id &&
                              again->type == v->type && again->references == v->references &&
                              again->schema == v->schema && again->deleted == v->deleted,
                          "schema value fields kept");
    }
    (void)sr::decode_string_field(text, "compatibilityLevel");
    (void)sr::decode_string_field(text, "mode");
    (void)sr::decode_int_field(text, "version");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    spdlog::set_level(spdlog::level::off);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<std::string> parts = split_schema_input(data, size);
    sr::registry_state state;
    for (size_t i = 0; i < parts.size(); i += 2) {
        const std::string& key = parts[i];
        std::optional<std::string> value;
        if (i + 1 < parts.size() && parts[i + 1] != "~") value = parts[i + 1];
        round_trip_key(key);
        if (value) round_trip_value(*value);
        const int32_t max_before = state.max_id();
        const size_t schemas_before = state.schemas().size();
        const size_t subjects_before = state.subjects().size();
        if (!state.apply(key, value)) {
            SLUICE_FUZZ_CHECK(state.max_id() == max_before && state.schemas().size() == schemas_before &&
                                  state.subjects().size() == subjects_before,
                              "a refused record changes nothing");
        }
        SLUICE_FUZZ_CHECK(state.max_id() >= max_before, "the max id is never lowered");
    }
    // Every subject's versions point at schemas the state has, unless deleted for good.
    for (const auto& [subject, versions] : state.subjects()) {
        for (const auto& [version, info] : versions) {
            SLUICE_FUZZ_CHECK(state.schema(info.id) != nullptr, "a version's schema is known by id");
        }
    }
    return 0;
}

// Avro schemas as a registration submits them: prepare("AVRO") (the parser,
// with the named types of references, and the stored compact form), then
// Parsing Canonical Form and the resolution rules.
//
// Input: texts separated by 0xFF; the last is the schema, the ones before
// it its references (dependencies first). A first byte of 'N' asks for
// normalize.
//
// Checks: nothing crashes; a schema that parses reads itself; its stored
// text parses again to the same Parsing Canonical Form; the canonical form
// of a schema without references parses and is its own canonical form.
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "broker/schema_registry/avro_compat.h"
#include "broker/schema_registry/avro_schema.h"
#include "broker/schema_registry/compatibility.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/schema_split.h"

namespace sr = sluice::broker::schema_registry;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    spdlog::set_level(spdlog::level::off);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const bool normalize = size > 0 && data[0] == 'N';
    std::vector<std::string> parts = split_schema_input(data, size);
    const std::string text = parts.back();
    parts.pop_back();

    auto prepared = sr::prepare("AVRO", text, parts, normalize);
    if (std::holds_alternative<std::string>(prepared)) return 0;
    const sr::candidate& c = std::get<sr::candidate>(prepared);
    SLUICE_FUZZ_CHECK(c.avro.has_value(), "an Avro candidate has its parsed schema");
    const sr::avro::schema& s = *c.avro;

    SLUICE_FUZZ_CHECK(sr::avro::can_read(s, s), "a schema reads itself");
    const std::string canonical = sr::avro::parsing_canonical_form(s);

    auto stored = sr::avro::parse(c.text, parts);
    SLUICE_FUZZ_CHECK(std::holds_alternative<sr::avro::schema>(stored), "the stored text parses");
    SLUICE_FUZZ_CHECK(sr::avro::parsing_canonical_form(std::get<sr::avro::schema>(stored)) == canonical,
                      "the stored text has the same canonical form");

    if (parts.empty()) {
        auto again = sr::avro::parse(canonical);
        SLUICE_FUZZ_CHECK(std::holds_alternative<sr::avro::schema>(again), "the canonical form parses");
        SLUICE_FUZZ_CHECK(sr::avro::parsing_canonical_form(std::get<sr::avro::schema>(again)) == canonical,
                          "the canonical form is its own canonical form");
    }
    return 0;
}

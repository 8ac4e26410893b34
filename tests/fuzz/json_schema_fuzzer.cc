// JSON Schemas as a registration submits them, prepare("JSON"), and
// Confluent's compatibility rules between two of them at every level.
//
// Input: two texts separated by 0xFF, the earlier version then the new one
// (a lone text is checked against itself).
//
// Checks: nothing crashes; a schema is compatible with itself; the stored
// (compact) text prepares again to itself (unless it holds a double: see
// has_double).
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <variant>
#include <vector>

#include "broker/schema_registry/compatibility.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/schema_split.h"

namespace sr = sluice::broker::schema_registry;

namespace {

const sr::candidate* prepared(const std::variant<sr::candidate, std::string>& v) {
    return std::get_if<sr::candidate>(&v);
}

// Boost.JSON 1.81 parses decimals with at most 1 ulp of error (no precise
// mode before 1.83), so a stored double need not read back to itself.
bool has_double(const boost::json::value& v) {
    if (v.is_double()) return true;
    if (const auto* o = v.if_object()) {
        for (const auto& kv : *o) {
            if (has_double(kv.value())) return true;
        }
    }
    if (const auto* a = v.if_array()) {
        for (const auto& e : *a) {
            if (has_double(e)) return true;
        }
    }
    return false;
}

void check_self(const sr::candidate& c) {
    const auto problems = sr::check(sr::level::full, c, {c});
    for (const auto& p : problems) std::fprintf(stderr, "self-check: %s\n", p.c_str());
    SLUICE_FUZZ_CHECK(problems.empty(), "a JSON schema is compatible with itself");
    if (c.json && has_double(*c.json)) return;
    auto again = sr::prepare("JSON", c.text, {}, false);
    const sr::candidate* a = prepared(again);
    SLUICE_FUZZ_CHECK(a != nullptr && a->text == c.text, "the stored text prepares to itself");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    spdlog::set_level(spdlog::level::off);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<std::string> parts = split_schema_input(data, size);
    const bool normalize = parts.size() > 2;  // a third part asks for normalize
    auto old_v = sr::prepare("JSON", parts[0], {}, normalize);
    const sr::candidate* old_c = prepared(old_v);
    if (old_c != nullptr) check_self(*old_c);
    if (parts.size() < 2 || old_c == nullptr) return 0;

    auto new_v = sr::prepare("JSON", parts[1], {}, normalize);
    const sr::candidate* new_c = prepared(new_v);
    if (new_c == nullptr) return 0;
    check_self(*new_c);
    for (sr::level l : {sr::level::backward, sr::level::forward, sr::level::full, sr::level::full_transitive}) {
        (void)sr::check(l, *new_c, {*old_c, *new_c});
    }
    return 0;
}

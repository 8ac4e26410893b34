// Protobuf schemas as a registration submits them, prepare("PROTOBUF")
// (.proto text or a base64 FileDescriptorProto, through protobuf's own
// compiler library), and Confluent's compatibility rules between two.
//
// Input: texts separated by 0xFF: the earlier version, the new one, then
// references, imported as "r0.proto", "r1.proto", ... (dependencies first).
//
// Checks: nothing crashes or aborts (protobuf's parser must never reach a
// GOOGLE_CHECK on registry input); a schema is compatible with itself.
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "broker/schema_registry/compatibility.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/schema_split.h"

namespace sr = sluice::broker::schema_registry;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    spdlog::set_level(spdlog::level::off);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<std::string> parts = split_schema_input(data, size);
    std::vector<std::string> refs, names;
    for (size_t i = 2; i < parts.size(); ++i) {
        refs.push_back(parts[i]);
        names.push_back("r" + std::to_string(i - 2) + ".proto");
    }
    auto old_v = sr::prepare("PROTOBUF", parts[0], refs, false, names);
    const sr::candidate* old_c = std::get_if<sr::candidate>(&old_v);
    if (old_c == nullptr) return 0;
    SLUICE_FUZZ_CHECK(old_c->proto != nullptr, "a Protobuf candidate has its parsed schema");
    SLUICE_FUZZ_CHECK(sr::check(sr::level::full, *old_c, {*old_c}).empty(), "a Protobuf schema reads itself");
    if (parts.size() < 2) return 0;

    auto new_v = sr::prepare("PROTOBUF", parts[1], refs, false, names);
    const sr::candidate* new_c = std::get_if<sr::candidate>(&new_v);
    if (new_c == nullptr) return 0;
    (void)sr::check(sr::level::full, *new_c, {*old_c});
    (void)sr::check(sr::level::full, *old_c, {*new_c});
    return 0;
}

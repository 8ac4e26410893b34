// server.properties text: the .properties parser, then the typed broker
// configuration built from what it parsed, as sluiced does at start-up.
//
// Checks: nothing crashes and the only error is config_error; the parsed
// pairs, written back out in .properties syntax (escaping as Java's
// Properties.store does), parse to the same pairs.
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "broker/config/broker_config.h"
#include "broker/config/config_error.h"
#include "broker/config/properties_file.h"
#include "fuzz/fuzz_check.h"

namespace {

using namespace sluice::broker;

void escape(std::string& out, std::string_view s, bool is_key) {
    for (char c : s) {
        switch (c) {
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\f': out += "\\f"; break;
            case '=': case ':': case ' ': case '#': case '!':
                if (is_key) out += '\\';
                out += c;
                break;
            default: out += c; break;
        }
    }
}

std::string store(const property_list& props) {
    std::string text;
    for (const auto& [key, value] : props) {
        escape(text, key, true);
        text += '=';
        escape(text, value, false);
        text += '\n';
    }
    return text;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    spdlog::set_level(spdlog::level::off);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    property_list props;
    try {
        props = parse_properties(text);
    } catch (const config_error&) {
        return 0;  // a malformed \uXXXX escape
    }

    std::string stored = store(props);
    property_list again;
    try {
        again = parse_properties(stored);
    } catch (const config_error&) {
        SLUICE_FUZZ_CHECK(false, "stored properties parse");
    }
    SLUICE_FUZZ_CHECK(again == props, "parse(store(parse(text))) == parse(text)");

    try {
        broker_config config = broker_config::from_properties(props);
        (void)config.describe(true);
    } catch (const config_error&) {
        // A bad value for a known property: refused with a message, as intended.
    }
    return 0;
}

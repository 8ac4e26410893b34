#pragma once
// Kafka's `sasl.jaas.config` value: one JAAS login module entry,
//
//   <LoginModuleClass> <flag> [<key>=<value> ...];
//
// flag is required | requisite | sufficient | optional; a value is a bare
// word or a double-quoted string in which a backslash escapes the next
// character (\n, \t, \r, \f and \b as in Java). // and /* */ comments are
// skipped, as Java's StreamTokenizer does for Kafka. Exactly one entry.
#include <map>
#include <string>
#include <string_view>

namespace sluice::broker {

struct jaas_entry {
    std::string login_module;
    std::string flag;
    std::map<std::string, std::string> options;
    bool operator==(const jaas_entry&) const = default;
};

// Throws config_error naming `property`; the message never repeats values
// (they hold passwords).
jaas_entry parse_jaas_config(std::string_view property, std::string_view text);

}  // namespace sluice::broker

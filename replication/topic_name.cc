#include "replication/topic_name.h"

#include <string>

namespace sluice::replication {

op_result validate_topic_name(std::string_view name) {
    using protocol::error_code;
    if (name.empty()) return {error_code::invalid_topic_exception, "Topic name is illegal, it can't be empty"};
    if (name == "." || name == "..") {
        return {error_code::invalid_topic_exception, "Topic name cannot be \".\" or \"..\""};
    }
    if (name.size() > max_topic_name_length) {
        return {error_code::invalid_topic_exception,
                "Topic name is illegal, it can't be longer than 249 characters, topic name: " + std::string(name)};
    }
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                  c == '_' || c == '-';
        if (!ok) {
            return {error_code::invalid_topic_exception,
                    "Topic name \"" + std::string(name) +
                        "\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'"};
        }
    }
    return {};
}

bool topic_names_collide(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        char x = a[i] == '.' ? '_' : a[i];
        char y = b[i] == '.' ? '_' : b[i];
        if (x != y) return false;
    }
    return true;
}

}  // namespace sluice::replication

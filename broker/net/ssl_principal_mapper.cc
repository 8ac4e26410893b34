#include "broker/net/ssl_principal_mapper.h"

#include <cctype>

#include "broker/config/config_def.h"
#include "broker/config/config_error.h"

namespace sluice::broker {

namespace {

// Kafka's RULE_PATTERN and RULE_SPLITTER, unchanged: Java's and ECMAScript's
// regex agree on everything they use (lazy quantifiers, ordered alternation).
constexpr std::string_view rule_pattern = R"((DEFAULT)|RULE:((\\.|[^\\/])*)/((\\.|[^\\/])*)/([LU]?).*?|(.*?))";

const std::regex& rule_parser() {
    static const std::regex re{std::string(rule_pattern)};
    return re;
}

const std::regex& rule_splitter() {
    static const std::regex re{R"(\s*()" + std::string(rule_pattern) + R"()\s*(,\s*|$))"};
    return re;
}

// Kafka escapes the replacement's literal backslashes so Java's replaceAll
// keeps them; ECMAScript's format keeps backslashes literal already, and
// both read $1 as a group.
std::string cased(std::string s, bool lower, bool upper) {
    for (auto& c : s) {
        if (lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return s;
}

}  // namespace

ssl_principal_mapper ssl_principal_mapper::from_rules(std::string_view property, std::string_view rules) {
    ssl_principal_mapper out;
    std::string all(trim(rules));
    auto fail = [&](const std::string& why) { throw config_error(invalid_value_message(property, rules, why)); };
    for (std::sregex_iterator it(all.begin(), all.end(), rule_splitter()), end; it != end; ++it) {
        std::string text = (*it)[1].str();
        std::smatch m;
        if (!std::regex_search(text, m, rule_parser(), std::regex_constants::match_continuous)) {
            fail("Invalid rule: " + text);
        }
        if (static_cast<size_t>(m.length(0)) != text.size()) {
            fail("Invalid rule: `" + text + "`, unmatched substring: `" + text.substr(m.length(0)) + "`");
        }
        if (m[1].matched) {
            rule r;
            r.is_default = true;
            out.rules_.push_back(std::move(r));
        } else if (m[2].matched) {
            rule r;
            try {
                r.pattern = std::regex(m[2].str());
            } catch (const std::regex_error& e) {
                fail("Invalid pattern in rule " + text + ": " + e.what());
            }
            r.replacement = m[4].str();
            r.to_lower = m[6].str() == "L";
            r.to_upper = m[6].str() == "U";
            out.rules_.push_back(std::move(r));
        }
        // An empty rule (between commas, or at the end) is ignored, as in Kafka.
    }
    return out;
}

std::optional<std::string> ssl_principal_mapper::name_of(const std::string& distinguished_name) const {
    for (const auto& r : rules_) {
        if (r.is_default) return distinguished_name;
        if (!std::regex_match(distinguished_name, r.pattern)) continue;
        return cased(std::regex_replace(distinguished_name, r.pattern, r.replacement), r.to_lower, r.to_upper);
    }
    return std::nullopt;
}

}  // namespace sluice::broker

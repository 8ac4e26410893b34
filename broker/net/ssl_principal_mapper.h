#pragma once
// ssl.principal.mapping.rules: how a client certificate's subject DN
// (RFC 2253, as Java's X500Principal.getName() prints it) becomes the
// principal's name, with Kafka's SslPrincipalMapper syntax and semantics:
//
//   RULE:pattern/replacement/[L|U], ..., DEFAULT
//
// Rules are tried in order; the first whose pattern matches the whole DN
// gives the name (the pattern's replaceAll over the DN, then lower- or
// upper-cased with L or U); DEFAULT gives the DN unchanged. No matching rule
// means the client cannot be authenticated.
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::broker {

class ssl_principal_mapper {
public:
    // Throws config_error naming `property` for a rule Kafka would refuse.
    static ssl_principal_mapper from_rules(std::string_view property, std::string_view rules);

    // nullopt when no rule applies.
    std::optional<std::string> name_of(const std::string& distinguished_name) const;

private:
    struct rule {
        bool is_default = false;
        std::regex pattern;
        std::string replacement;
        bool to_lower = false;
        bool to_upper = false;
    };
    std::vector<rule> rules_;
};

}  // namespace sluice::broker

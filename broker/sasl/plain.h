#pragma once
// SASL/PLAIN (RFC 4616): one client message,
//
//   [authzid] NUL authcid NUL passwd
//
// checked against the listener's configured users (PlainLoginModule's
// user_<name>="<password>" options). As Kafka's PlainSaslServer: exactly
// three fields, a non-empty user and password, and an authzid (if any)
// equal to the user.
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "broker/sasl/mechanism.h"

namespace sluice::broker::sasl {

struct plain_token {
    std::string authzid;
    std::string username;
    std::string password;
};

// nullopt with `error` set when the token is not a valid PLAIN message.
std::optional<plain_token> parse_plain_token(std::string_view token, std::string& error);

class plain_server : public mechanism {
public:
    explicit plain_server(const std::map<std::string, std::string>& users) : users_(users) {}
    step evaluate(std::string_view client_token) override;

private:
    const std::map<std::string, std::string>& users_;  // owned by the broker's config
    bool done_ = false;
};

}  // namespace sluice::broker::sasl

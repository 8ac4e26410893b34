#pragma once
// HTTP Basic authentication on the registry's listener
// (schema.registry.authentication.method=BASIC, Confluent's
// authentication.method): the user name and password of an
// `Authorization: Basic` header are checked against the broker's SCRAM
// users, the ones SASL/SCRAM clients log in as (kept in the metadata store,
// so every broker knows the same users). One set of users serves Kafka
// clients and serializers alike.
//
// A password is checked by deriving the user's SCRAM credential from it
// (PBKDF2 with the credential's salt and iterations: milliseconds of CPU),
// so the derivation runs on the background executor; a password once
// found right is remembered by a hash of it for as long as the user's
// credential stays the same. I/O thread only (check's `done` too).
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/scram.h"

namespace sluice::broker {
class broker;
}

namespace sluice::broker::schema_registry {

struct basic_credentials {
    std::string user;
    std::string password;
};

// "Basic <base64 of user:password>" (the scheme in any case); nullopt for
// anything else, an empty user included.
std::optional<basic_credentials> parse_basic_authorization(std::string_view header);

// Whether `password` derives `credential` (constant-time comparison).
bool password_matches(protocol::scram::scram_mechanism m, const protocol::scram::scram_credential& credential,
                      std::string_view password);

class basic_authenticator {
public:
    explicit basic_authenticator(broker& b);
    ~basic_authenticator();
    basic_authenticator(const basic_authenticator&) = delete;
    basic_authenticator& operator=(const basic_authenticator&) = delete;

    // `done(true)` when `authorization` names a SCRAM user with its password.
    void check(std::string_view authorization, std::function<void(bool)> done);

private:
    static constexpr size_t max_remembered = 1024;
    broker& b_;
    // user, NUL, SHA-256 of the password -> the stored key it derived.
    std::map<std::string, std::string> verified_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sluice::broker::schema_registry

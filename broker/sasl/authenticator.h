#pragma once
// One connection's SASL state on a SASL_PLAINTEXT or SASL_SSL listener, as
// Kafka's SaslServerAuthenticator and KIP-368 define it:
//
//   awaiting_handshake --SaslHandshake(enabled mechanism)--> awaiting_token
//   awaiting_token --SaslAuthenticate (or a raw token after a v0 handshake)--> ...
//       challenge: stays; success: authenticated; failure: failed (closed)
//   authenticated --SaslHandshake, connections.max.reauth.ms > 0--> awaiting_token (re-authenticating)
//
// Before the first success only ApiVersions, SaslHandshake and
// SaslAuthenticate are admitted; anything else closes the connection. Once
// the session has expired only a SaslHandshake (starting re-authentication)
// is admitted. Order errors answer ILLEGAL_SASL_STATE and close, an unknown
// mechanism UNSUPPORTED_SASL_MECHANISM and close, bad credentials
// SASL_AUTHENTICATION_FAILED and close. Re-authentication must keep the
// mechanism and the principal.
//
// Used on the connection's executor only; handlers reach it through
// request::sasl.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/config/sasl_config.h"
#include "broker/sasl/mechanism.h"
#include "broker/sasl/scram.h"
#include "protocol/error_code.h"

namespace sluice::broker::sasl {

using scram_lookup = std::function<std::optional<scram_credential>(const std::string& user, scram_mechanism m)>;

class authenticator {
public:
    using clock = std::chrono::steady_clock;

    authenticator(const listener_sasl& config, int64_t reauth_ms, scram_lookup lookup)
        : config_(config), reauth_ms_(reauth_ms), lookup_(std::move(lookup)) {}

    // Whether a request with `api_key` may be served now (false: close).
    bool admits(int16_t api_key, clock::time_point now) const;
    // After a v0 handshake the client sends bare size-prefixed tokens.
    bool expects_raw_token() const { return state_ == state::awaiting_token && raw_tokens_; }
    // Authenticated at least once: the pre-authentication frame cap is lifted.
    bool authenticated_once() const { return !principal_.empty(); }
    // Failed: close once the answer has been written.
    bool must_close() const { return state_ == state::failed; }

    struct handshake_answer {
        protocol::error_code error = protocol::error_code::none;
        std::vector<std::string> mechanisms;
    };
    handshake_answer handshake(const std::string& mechanism, int16_t version, clock::time_point now);

    struct authenticate_answer {
        protocol::error_code error = protocol::error_code::none;
        std::optional<std::string> message;
        std::string token;
        int64_t session_lifetime_ms = 0;
    };
    authenticate_answer authenticate(std::string_view token, clock::time_point now);

    // The principal ("User:name") of a success not yet taken: the connection
    // puts it in a new session.
    std::optional<std::string> take_new_principal();

private:
    enum class state { awaiting_handshake, awaiting_token, authenticated, failed };
    bool expired(clock::time_point now) const { return expiry_ && now >= *expiry_; }
    authenticate_answer fail(protocol::error_code e, std::string message);
    std::unique_ptr<mechanism> make_mechanism(const std::string& name) const;

    const listener_sasl& config_;
    int64_t reauth_ms_;
    scram_lookup lookup_;
    state state_ = state::awaiting_handshake;
    bool raw_tokens_ = false;
    bool reauthenticating_ = false;
    std::string mechanism_name_;
    std::unique_ptr<mechanism> mechanism_;
    std::string principal_;
    std::optional<clock::time_point> expiry_;
    std::optional<std::string> new_principal_;
};

}  // namespace sluice::broker::sasl

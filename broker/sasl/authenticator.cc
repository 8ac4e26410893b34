#include "broker/sasl/authenticator.h"

#include <algorithm>

#include "broker/sasl/plain.h"
#include "broker/sasl/scram_server.h"

namespace sluice::broker::sasl {

namespace {

// Kafka's ApiKeys for the requests allowed before authentication.
constexpr int16_t sasl_handshake_key = 17;
constexpr int16_t api_versions_key = 18;
constexpr int16_t sasl_authenticate_key = 36;

}  // namespace

bool authenticator::admits(int16_t api_key, clock::time_point now) const {
    switch (state_) {
        case state::failed:
            return false;
        case state::awaiting_handshake:
            if (authenticated_once()) break;  // cannot happen: re-authentication starts at awaiting_token
            return api_key == api_versions_key || api_key == sasl_handshake_key || api_key == sasl_authenticate_key;
        case state::awaiting_token:
            if (api_key == sasl_authenticate_key || api_key == sasl_handshake_key) return true;
            // Mid re-authentication the old session still serves until it expires.
            return reauthenticating_ && !expired(now);
        case state::authenticated:
            break;
    }
    return !expired(now) || api_key == sasl_handshake_key;
}

std::unique_ptr<mechanism> authenticator::make_mechanism(const std::string& name) const {
    if (name == sasl_plain) return std::make_unique<plain_server>(config_.plain_users);
    auto m = *scram_mechanism_named(name);
    return std::make_unique<scram_server>(m, [lookup = lookup_, m](const std::string& user) { return lookup(user, m); });
}

authenticator::handshake_answer authenticator::handshake(const std::string& mechanism, int16_t version,
                                                         clock::time_point now) {
    handshake_answer answer;
    answer.mechanisms = config_.mechanisms;
    bool enabled = std::find(config_.mechanisms.begin(), config_.mechanisms.end(), mechanism) != config_.mechanisms.end();
    switch (state_) {
        case state::awaiting_handshake:
            if (!enabled) {
                state_ = state::failed;
                answer.error = protocol::error_code::unsupported_sasl_mechanism;
                return answer;
            }
            break;
        case state::authenticated:
            // Without connections.max.reauth.ms there is nothing to renew:
            // Kafka's request handler answers, and the session goes on.
            if (!expiry_) {
                answer.error = protocol::error_code::illegal_sasl_state;
                return answer;
            }
            // KIP-368 needs SaslAuthenticate headers (v1), and the mechanism of the session.
            if (version < 1 || mechanism != mechanism_name_) {
                state_ = state::failed;
                answer.error = enabled ? protocol::error_code::illegal_sasl_state
                                       : protocol::error_code::unsupported_sasl_mechanism;
                return answer;
            }
            reauthenticating_ = true;
            break;
        case state::awaiting_token:
        case state::failed:
            state_ = state::failed;
            answer.error = protocol::error_code::illegal_sasl_state;
            return answer;
    }
    (void)now;
    mechanism_name_ = mechanism;
    mechanism_ = make_mechanism(mechanism);
    raw_tokens_ = version == 0;
    state_ = state::awaiting_token;
    return answer;
}

authenticator::authenticate_answer authenticator::fail(protocol::error_code e, std::string message) {
    state_ = state::failed;
    mechanism_.reset();
    return {e, std::move(message), {}, 0};
}

authenticator::authenticate_answer authenticator::authenticate(std::string_view token, clock::time_point now) {
    if (state_ == state::authenticated) {
        // Kafka's request handler: an extra SaslAuthenticate is refused, the session goes on.
        return {protocol::error_code::illegal_sasl_state,
                "SaslAuthenticate request received after successful authentication", {}, 0};
    }
    if (state_ != state::awaiting_token) {
        return fail(protocol::error_code::illegal_sasl_state,
                    "Unexpected SaslAuthenticate request: no SaslHandshake has chosen a mechanism");
    }
    step s = mechanism_->evaluate(token);
    switch (s.what) {
        case step::outcome::challenge:
            return {protocol::error_code::none, std::nullopt, std::move(s.token), 0};
        case step::outcome::failure:
            return fail(protocol::error_code::sasl_authentication_failed, std::move(s.message));
        case step::outcome::success:
            break;
    }
    std::string principal = "User:" + s.username;
    if (reauthenticating_ && principal != principal_) {
        return fail(protocol::error_code::sasl_authentication_failed,
                    "Cannot change principals during re-authentication from " + principal_ + ": " + principal);
    }
    if (principal != principal_) new_principal_ = principal;
    principal_ = principal;
    state_ = state::authenticated;
    reauthenticating_ = false;
    mechanism_.reset();
    authenticate_answer answer{protocol::error_code::none, std::nullopt, std::move(s.token), 0};
    auto per_mechanism = config_.reauth_ms.find(mechanism_name_);
    int64_t lifetime = per_mechanism == config_.reauth_ms.end() ? reauth_ms_ : per_mechanism->second;
    expiry_.reset();
    if (lifetime > 0) {
        expiry_ = now + std::chrono::milliseconds(lifetime);
        answer.session_lifetime_ms = lifetime;
    }
    return answer;
}

std::optional<std::string> authenticator::take_new_principal() {
    auto p = std::move(new_principal_);
    new_principal_.reset();
    return p;
}

}  // namespace sluice::broker::sasl

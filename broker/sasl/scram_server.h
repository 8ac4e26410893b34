#pragma once
// The server side of one SCRAM-SHA-256/512 exchange (RFC 5802):
//
//   client-first  n,[a=authzid],n=<saslname>,r=<client nonce>[,ext...]
//   server-first  r=<client nonce><server nonce>,s=<base64 salt>,i=<iterations>
//   client-final  c=<base64 gs2 header>,r=[...]<nonce>[,ext...],p=<base64 proof>
//   server-final  v=<base64 ServerSignature>
//
// Only "n" channel binding (no TLS binding, as Kafka). An unknown user gets
// a made-up salt and iteration count derived from a per-process secret, so
// the exchange fails at the proof exactly as a wrong password does: neither
// the message nor the step tells which it was.
#include <functional>
#include <optional>
#include <string>

#include "broker/sasl/mechanism.h"
#include "broker/sasl/scram.h"

namespace sluice::broker::sasl {

using credential_lookup = std::function<std::optional<scram_credential>(const std::string& user)>;

class scram_server : public mechanism {
public:
    scram_server(scram_mechanism m, credential_lookup lookup) : mech_(m), lookup_(std::move(lookup)) {}
    step evaluate(std::string_view client_token) override;

    // Tests: the server nonce to use instead of a random one.
    void set_server_nonce(std::string nonce) { server_nonce_ = std::move(nonce); }

private:
    step client_first(std::string_view msg);
    step client_final(std::string_view msg);
    step failed();

    enum class state { client_first, client_final, done };
    scram_mechanism mech_;
    credential_lookup lookup_;
    state state_ = state::client_first;
    std::string server_nonce_;
    std::string gs2_header_;
    std::string username_;
    std::string client_first_bare_;
    std::string server_first_;
    std::string nonce_;
    scram_credential credential_;
    bool known_user_ = false;
};

}  // namespace sluice::broker::sasl

#pragma once
// The client side of one SASL exchange, for this broker's own connections
// to other brokers on a SASL_* inter-broker listener
// (sasl.mechanism.inter.broker.protocol with the username/password of that
// listener's JAAS entry):
//
//   PLAIN          [] NUL user NUL password          -> "" (done)
//   SCRAM-SHA-*    n,,n=<user>,r=<nonce>             -> server-first
//                  c=biws,r=<nonce>,p=<proof>        -> v=<signature> (checked)
//
// Pure: tokens in, tokens out; kafka_connection does the I/O.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::replication {

struct sasl_login {
    std::string mechanism;  // PLAIN, SCRAM-SHA-256, SCRAM-SHA-512
    std::string username;
    std::string password;
    bool operator==(const sasl_login&) const = default;
};

class sasl_client {
public:
    struct next {
        std::optional<std::string> token;  // to send; nullopt: done
        std::optional<std::string> error;  // the exchange cannot go on
    };

    explicit sasl_client(sasl_login login) : login_(std::move(login)) {}
    // The first token; error set for a mechanism this client cannot speak.
    next start();
    // The server's answer to the last token.
    next step(std::string_view server_token);

    // Tests: the client nonce to use instead of a random one.
    void set_nonce(std::string nonce) { nonce_ = std::move(nonce); }

private:
    sasl_login login_;
    int round_ = 0;
    std::string nonce_;
    std::string first_bare_;
    std::string server_signature_;
};

}  // namespace sluice::replication

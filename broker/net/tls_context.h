#pragma once
// The server side of TLS for one SSL or SASL_SSL listener: an OpenSSL
// context built once at startup from the listener's ssl_config (key store,
// trust store, client authentication, protocols, cipher suites) and the
// principal mapping its mTLS clients go through.
//
// Every file and PEM text is read here; anything unusable throws
// config_error naming the property, so a broker never starts with a TLS
// listener that could not complete a handshake.
#include <boost/asio/ssl/context.hpp>
#include <map>
#include <memory>
#include <string>

#include "broker/config/ssl_config.h"
#include "broker/net/ssl_principal_mapper.h"

namespace sluice::broker {

struct broker_config;

struct tls_context {
    boost::asio::ssl::context ssl{boost::asio::ssl::context::tls_server};
    ssl_principal_mapper principals;
    bool wants_client_certificate = false;  // ssl.client.auth required or requested
};

// Throws config_error.
std::shared_ptr<tls_context> make_tls_context(const ssl_config& config);

// Listener `listener_name`'s ssl.* settings with its overrides. Throws
// config_error.
ssl_config listener_ssl_config(const broker_config& config, std::string_view listener_name);

// One per SSL/SASL_SSL listener of `config`, by listener name.
using tls_contexts = std::map<std::string, std::shared_ptr<tls_context>>;
tls_contexts make_tls_contexts(const broker_config& config);

// How this broker reaches the others: inter.broker.listener.name (or the
// listener named by security.inter.broker.protocol), and for an SSL or
// SASL_SSL one a client context presenting that listener's key store and
// trusting its trust store. Throws config_error.
struct inter_broker_client {
    std::string listener;
    std::shared_ptr<boost::asio::ssl::context> tls;  // null: plaintext
    bool verify_host = true;                         // ssl.endpoint.identification.algorithm=https
};
inter_broker_client inter_broker_settings(const broker_config& config);

// Kafka accepts PEM text whose lines were joined (a properties value written
// over several lines with '\'); OpenSSL wants 64-column lines. Re-wraps the
// base64 of each BEGIN/END block; anything outside the blocks is dropped.
std::string normalize_pem(std::string_view text);

}  // namespace sluice::broker

#pragma once
// One client connection to another broker, speaking the Kafka protocol: a
// follower's fetches from its leader go over it. Requests are pipelined and
// answered in order (Kafka answers a connection's requests in order); the
// response header is checked and stripped.
//
// It connects on the first request and again on the first request after a
// failure. Any failure — refused, closed, a response that does not match, a
// request outstanding past its timeout — fails every outstanding request and
// closes the connection, as Kafka's own clients do.
//
// Threading: everything on the executor given; callbacks run there.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "protocol/wire.h"
#include "replication/sasl_client.h"

namespace sluice::replication {

struct kafka_response {
    std::optional<std::string> error;  // set when no response came
    protocol::bytes body;              // the response after its header
};

class kafka_connection {
public:
    struct options {
        std::string host;
        std::string port;
        std::string client_id;
        std::chrono::milliseconds connect_timeout{5000};
        std::chrono::milliseconds request_timeout{30000};
        uint32_t max_response_bytes = 128u << 20;
        // Set: TLS (the inter-broker listener is SSL or SASL_SSL), handshaken
        // before the first request, the peer verified against the context's
        // trust store and, when tls_verify_host, its certificate against
        // `host` (ssl.endpoint.identification.algorithm=https).
        std::shared_ptr<boost::asio::ssl::context> tls = nullptr;
        bool tls_verify_host = true;
        // Set: authenticate after connecting (SaslHandshake v1, then
        // SaslAuthenticate v1 tokens) before any request goes out, within
        // connect_timeout. A failure fails the requests like a refused
        // connection. A session with a lifetime (KIP-368) is renewed by
        // reconnecting between requests once 85% of it has passed.
        std::optional<sasl_login> sasl = std::nullopt;
    };
    using response_fn = std::function<void(kafka_response)>;

    static std::shared_ptr<kafka_connection> create(boost::asio::any_io_executor executor, options opts);
    virtual ~kafka_connection() = default;

    // `body` holds memory only (requests carry no file slices).
    virtual void send(int16_t api_key, int16_t api_version, const protocol::writer& body, response_fn done) = 0;
    // Fails what is outstanding ("connection closed") and disconnects.
    virtual void close() = 0;
    virtual bool connected() const = 0;
};

}  // namespace sluice::replication

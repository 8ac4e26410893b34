#pragma once
// Accepts client connections on the configured listeners.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <memory>
#include <vector>

#include "broker/config/listener.h"
#include "broker/net/connection.h"
#include "broker/net/page_cache_warmer.h"
#include "broker/net/tls_context.h"

namespace sluice::broker {

class server {
public:
    // `tls` has a context for each SSL and SASL_SSL listener.
    server(boost::asio::io_context& io, broker& owner, const std::vector<listener>& listeners,
           size_t max_request_bytes, tls_contexts tls = {},
           std::chrono::milliseconds handshake_timeout = std::chrono::seconds(10));
    void stop();
    uint16_t bound_port() const;

private:
    struct bound_listener {
        listener config;
        std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor;
        std::shared_ptr<tls_context> tls;  // null: plaintext
    };
    void accept(bound_listener& bound);
    static constexpr int accept_retry_ms = 100;

    boost::asio::io_context& io_;
    broker& broker_;
    size_t max_request_bytes_;
    std::chrono::milliseconds handshake_timeout_;
    std::vector<std::unique_ptr<bound_listener>> acceptors_;
    connection_registry connections_;
    page_cache_warmer warmer_;  // one thread; stopped with the server, before the logs close
};

}  // namespace sluice::broker

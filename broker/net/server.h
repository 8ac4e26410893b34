#pragma once
// Accepts client connections on the configured listeners.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <vector>

#include "broker/config/listener.h"
#include "broker/net/connection.h"
#include "broker/net/connection_limits.h"
#include "broker/net/connection_registry.h"
#include "broker/net/page_cache_warmer.h"
#include "broker/net/tls_context.h"

namespace sluice::broker {

class server {
public:
    // `tls` has a context for each SSL and SASL_SSL listener.
    server(boost::asio::io_context& io, broker& owner, const std::vector<listener>& listeners,
           size_t max_request_bytes, tls_contexts tls = {},
           std::chrono::milliseconds handshake_timeout = std::chrono::seconds(10), connection_limits limits = {});
    void stop();
    uint16_t bound_port() const;
    size_t connection_count() const { return connections_.total(); }
    // max.connections(.per.ip(.overrides)) changed dynamically: applies to
    // the next connection accepted; a listener waiting for a slot retries.
    void set_limits(connection_limits limits);
    // Also lends its thread to other readers of cold log data (http/key_records).
    page_cache_warmer& warmer() { return warmer_; }

private:
    struct bound_listener {
        listener config;
        std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor;
        std::shared_ptr<tls_context> tls;  // null: plaintext
    };
    void accept(bound_listener& bound);
    // Takes a new connection unless its address is over its limit.
    void admit(bound_listener& bound, boost::asio::ip::tcp::socket socket);
    // A slot freed: the listeners waiting for one accept again.
    void slot_freed();
    void schedule_sweep();
    static constexpr int accept_retry_ms = 100;

    boost::asio::io_context& io_;
    broker& broker_;
    size_t max_request_bytes_;
    std::chrono::milliseconds handshake_timeout_;
    std::vector<std::unique_ptr<bound_listener>> acceptors_;
    connection_limits limits_;
    connection_registry connections_;
    std::vector<bound_listener*> waiting_for_slot_;  // stopped at max.connections
    std::unique_ptr<boost::asio::steady_timer> sweep_timer_;
    page_cache_warmer warmer_;  // one thread; stopped with the server, before the logs close
};

}  // namespace sluice::broker

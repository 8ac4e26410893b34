#pragma once
// The HTTP listener(s) of http.listeners: HTTP/1.1 with keep-alive, one
// request at a time per connection, answered by router.h; the console's
// paths by routes::console, whose reply may come later (nothing more is
// read from the connection until it has).
//
// Runs on the broker's I/O executor: a scrape reads the same memory the
// handlers write, so it needs no lock and sees a consistent moment. A scrape
// is a walk over the topics and groups, short next to a request's budget.
//
// Limits, so a client cannot make the broker hold much or wait long: the
// request line and headers together at most header_limit bytes (else 431),
// a body at most server_options::body_limit (else 413), any other malformed request 400;
// each answered then closed. A request (or the next one on a kept-alive
// connection) must arrive whole within sluice.http.request.timeout.ms, or
// the connection is closed. At most max_connections are open at once.
// An answer with `stream` (router.h) makes the connection an event stream:
// no timeout, nothing more read but the close, at most 4 MiB queued.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "broker/config/listener.h"
#include "broker/http/router.h"

namespace sluice::broker::http {

// What differs between the HTTP listeners a broker runs.
struct server_options {
    std::string property = "http.listeners";                  // named in startup errors
    std::string purpose = "HTTP (metrics, health, console)";  // logged
    uint64_t body_limit = 8 * 1024;
};

class http_server {
public:
    static constexpr uint32_t header_limit = 8 * 1024;
    static constexpr uint64_t body_limit = 8 * 1024;
    // Open connections at most; past it a new one is closed at once (a
    // scraper or a probe needs one or two).
    static constexpr size_t max_connections = 64;

    // Binds every listener; throws std::runtime_error naming http.listeners
    // when one cannot be bound.
    http_server(boost::asio::io_context& io, const std::vector<listener>& listeners, routes r,
                std::chrono::milliseconds request_timeout, server_options options = {});
    ~http_server();
    void stop();
    // The port of the first listener (tests bind port 0).
    uint16_t bound_port() const;

    struct shared;

private:
    void accept(size_t i);
    std::shared_ptr<shared> shared_;
    std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
};

}  // namespace sluice::broker::http

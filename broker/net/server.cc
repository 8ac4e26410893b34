#include "broker/net/server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/steady_timer.hpp>
#include <algorithm>
#include <boost/asio/post.hpp>
#include <chrono>
#include <memory>
#include <stdexcept>

namespace sluice::broker {

namespace asio = boost::asio;
using asio::ip::tcp;

server::server(asio::io_context& io, broker& owner, const std::vector<listener>& listeners,
               size_t max_request_bytes, tls_contexts tls, std::chrono::milliseconds handshake_timeout,
               connection_limits limits)
    : io_(io),
      broker_(owner),
      max_request_bytes_(max_request_bytes),
      handshake_timeout_(handshake_timeout),
      limits_(std::move(limits)),
      sweep_timer_(std::make_unique<asio::steady_timer>(io)) {
    connections_.on_remove([this] { slot_freed(); });
    schedule_sweep();
    for (const auto& l : listeners) {
        tcp::resolver resolver(io_);
        std::string host = l.host.empty() ? "0.0.0.0" : l.host;
        boost::system::error_code ec;
        auto results = resolver.resolve(host, std::to_string(l.port), tcp::resolver::passive, ec);
        if (ec || results.empty()) {
            throw std::runtime_error("listeners: cannot resolve " + l.to_string() + ": " + ec.message());
        }
        tcp::endpoint ep = results.begin()->endpoint();
        auto acceptor = std::make_unique<tcp::acceptor>(io_);
        acceptor->open(ep.protocol());
        acceptor->set_option(tcp::acceptor::reuse_address(true));
        acceptor->bind(ep, ec);
        if (ec) throw std::runtime_error("listeners: cannot bind " + l.to_string() + ": " + ec.message());
        acceptor->listen(asio::socket_base::max_listen_connections);
        spdlog::info("listening on {} ({})", l.to_string(), acceptor->local_endpoint().port());
        std::shared_ptr<tls_context> context;
        if (uses_tls(l.security_protocol)) {
            auto it = tls.find(l.name);
            if (it == tls.end()) throw std::runtime_error("listeners: no TLS settings for " + l.to_string());
            context = it->second;
        }
        acceptors_.push_back(
            std::make_unique<bound_listener>(bound_listener{l, std::move(acceptor), std::move(context)}));
        accept(*acceptors_.back());
    }
}

void server::accept(bound_listener& bound) {
    tcp::acceptor& acceptor = *bound.acceptor;
    acceptor.async_accept([this, &bound, &acceptor](boost::system::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
        if (!ec) {
            admit(bound, std::move(socket));
            // At max.connections the listener waits for a slot, as Kafka's
            // acceptor does; the client waits in the backlog meanwhile.
            if (static_cast<int64_t>(connections_.total()) >= limits_.max_total) {
                waiting_for_slot_.push_back(&bound);
                return;
            }
            accept(bound);
            return;
        }
        // Out of descriptors (or another failure that would repeat at once):
        // the pending connection stays in the backlog, so accepting again
        // right away would spin. Wait a little, as Kafka's acceptor does.
        spdlog::warn("accept failed: {}; retrying in {} ms", ec.message(), accept_retry_ms);
        auto timer = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(accept_retry_ms));
        timer->async_wait([this, &bound, &acceptor, timer](boost::system::error_code wait_ec) {
            if (wait_ec || !acceptor.is_open()) return;
            accept(bound);
        });
    });
}

void server::admit(bound_listener& bound, tcp::socket socket) {
    boost::system::error_code ec;
    auto peer = socket.remote_endpoint(ec);
    if (ec) return;  // already gone
    std::string ip = peer.address().to_string();
    if (static_cast<int64_t>(connections_.from(ip)) >= limits_.limit_for(ip)) {
        // Kafka's TooManyConnectionsException: closed at once, logged.
        spdlog::info("closing {}: it already has {} connection(s), max.connections.per.ip", ip, connections_.from(ip));
        socket.close(ec);
        return;
    }
    auto c = std::make_shared<connection>(std::move(socket), bound.config, broker_, connections_, warmer_,
                                          max_request_bytes_, bound.tls, handshake_timeout_);
    connections_.add(c, ip);
    c->start();
}

void server::set_limits(connection_limits limits) {
    limits_ = std::move(limits);
    slot_freed();
}

void server::slot_freed() {
    if (waiting_for_slot_.empty() || static_cast<int64_t>(connections_.total()) >= limits_.max_total) return;
    auto waiting = std::move(waiting_for_slot_);
    waiting_for_slot_.clear();
    // Not inline: the closing connection is still on the stack.
    asio::post(io_, [this, waiting = std::move(waiting)] {
        for (bound_listener* b : waiting) {
            if (b->acceptor->is_open()) accept(*b);
        }
    });
}

// Idle and stalled connections are looked for once a second (or sooner
// when a timeout is shorter).
void server::schedule_sweep() {
    const int64_t every = std::clamp<int64_t>(std::min(limits_.idle_ms, limits_.read_timeout_ms) / 4, 50, 1000);
    sweep_timer_->expires_after(std::chrono::milliseconds(every));
    sweep_timer_->async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        connections_.sweep(steady_now_ms(), limits_.idle_ms, limits_.read_timeout_ms);
        schedule_sweep();
    });
}

void server::stop() {
    sweep_timer_->cancel();
    waiting_for_slot_.clear();
    for (auto& a : acceptors_) {
        boost::system::error_code ec;
        a->acceptor->close(ec);
    }
    connections_.close_all();
    warmer_.stop();
}

uint16_t server::bound_port() const {
    return acceptors_.empty() ? 0 : acceptors_.front()->acceptor->local_endpoint().port();
}

}  // namespace sluice::broker

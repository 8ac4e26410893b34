#include "broker/net/server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <stdexcept>

namespace sluice::broker {

namespace asio = boost::asio;
using asio::ip::tcp;

server::server(asio::io_context& io, broker& owner, const std::vector<listener>& listeners,
               size_t max_request_bytes, tls_contexts tls, std::chrono::milliseconds handshake_timeout)
    : io_(io), broker_(owner), max_request_bytes_(max_request_bytes), handshake_timeout_(handshake_timeout) {
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
            auto c = std::make_shared<connection>(std::move(socket), bound.config, broker_, connections_, warmer_,
                                                  max_request_bytes_, bound.tls, handshake_timeout_);
            connections_.add(c);
            c->start();
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

void server::stop() {
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

#pragma once
// The bytes of one connection: a plain TCP socket, or TLS over it.
//
// Not virtual and not type-erased: each operation tests which of the two it
// is and calls that one directly with the caller's handler. That is one
// predictable branch per read or write call, none per byte, so the
// plaintext path compiles to what it was before (and keeps sendfile and
// gathered sends, which only the plain socket can do).
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <memory>
#include <utility>

namespace sluice::broker {

class byte_stream {
public:
    using tcp = boost::asio::ip::tcp;
    using tls_stream = boost::asio::ssl::stream<tcp::socket&>;

    explicit byte_stream(tcp::socket socket) : socket_(std::move(socket)) {}
    byte_stream(tcp::socket socket, boost::asio::ssl::context& tls)
        : socket_(std::move(socket)), tls_(std::make_unique<tls_stream>(socket_, tls)) {}
    // tls_ refers to socket_.
    byte_stream(const byte_stream&) = delete;
    byte_stream& operator=(const byte_stream&) = delete;

    tcp::socket& socket() { return socket_; }
    tls_stream* tls() { return tls_.get(); }
    bool is_tls() const { return tls_ != nullptr; }

    template <typename Buffers, typename Handler>
    void async_read_some(const Buffers& buffers, Handler&& handler) {
        if (tls_) {
            tls_->async_read_some(buffers, std::forward<Handler>(handler));
        } else {
            socket_.async_read_some(buffers, std::forward<Handler>(handler));
        }
    }

    template <typename Buffers, typename Handler>
    void async_read(const Buffers& buffers, Handler&& handler) {
        if (tls_) {
            boost::asio::async_read(*tls_, buffers, std::forward<Handler>(handler));
        } else {
            boost::asio::async_read(socket_, buffers, std::forward<Handler>(handler));
        }
    }

    template <typename Buffers, typename Handler>
    void async_write(const Buffers& buffers, Handler&& handler) {
        if (tls_) {
            boost::asio::async_write(*tls_, buffers, std::forward<Handler>(handler));
        } else {
            boost::asio::async_write(socket_, buffers, std::forward<Handler>(handler));
        }
    }

private:
    tcp::socket socket_;
    std::unique_ptr<tls_stream> tls_;
};

}  // namespace sluice::broker

#include "broker/http/http_server.h"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <deque>
#include <list>
#include <stdexcept>

namespace sluice::broker::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

class session;

// What the sessions share with the server, alive until the last session ends.
struct http_server::shared {
    routes r;
    std::chrono::milliseconds timeout;
    uint64_t body_limit;
    std::list<std::weak_ptr<session>> sessions;  // to close them on stop()
    bool stopped = false;
};

class session : public std::enable_shared_from_this<session>, public event_sink {
public:
    session(tcp::socket socket, std::shared_ptr<http_server::shared> s)
        : stream_(std::move(socket)), s_(std::move(s)) {}

    void start(std::list<std::weak_ptr<session>>::iterator self) {
        self_ = self;
        read();
    }
    void close() override {
        closed_ = true;
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream_.close();
        // Not destroyed here: close() may run inside the owner's own call.
        if (owner_) asio::post(stream_.get_executor(), [owner = std::move(owner_)] {});
    }

    // event_sink: the connection after an event stream's head.
    void send(std::string data) override {
        if (closed_ || finishing_ || data.empty()) return;
        if (!chunked_) return enqueue(std::move(data));
        char size[20];
        const int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
        data.insert(0, size, static_cast<size_t>(n));
        data += "\r\n";
        enqueue(std::move(data));
    }
    void finish() override {
        if (closed_ || finishing_) return;
        if (!chunked_) return close();
        enqueue("0\r\n\r\n");
        finishing_ = true;
        if (!writing_) close();
    }
    size_t queued() const override { return queued_bytes_; }
    void keep(std::shared_ptr<void> owner) override {
        if (closed_) return;
        owner_ = std::move(owner);
    }
    ~session() {
        if (!s_->stopped) s_->sessions.erase(self_);
    }

private:
    void enqueue(std::string data) {
        queued_bytes_ += data.size();
        if (queued_bytes_ > stream_queue_limit) return close();
        pending_.push_back(std::move(data));
        if (!writing_) write_next();
    }

    void read() {
        parser_.emplace();
        parser_->header_limit(http_server::header_limit);
        parser_->body_limit(s_->body_limit);
        stream_.expires_after(s_->timeout);
        bhttp::async_read(stream_, buffer_, *parser_,
                          [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
    }

    void on_read(beast::error_code ec) {
        if (ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == beast::error::timeout ||
            ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
            return close();
        }
        if (ec) {
            // Answered, then closed: the stream cannot be trusted past a bad request.
            answer a;
            a.status = ec == bhttp::error::header_limit ? 431 : ec == bhttp::error::body_limit ? 413 : 400;
            a.body = ec.message() + "\n";
            return write(std::move(a), false, 11);
        }
        auto& req = parser_->get();
        std::string_view method(req.method_string().data(), req.method_string().size());
        std::string_view target(req.target().data(), req.target().size());
        const bool to_console = s_->r.console && console_path(target);
        if (s_->r.any || to_console || (s_->r.keys && keys_path(target))) {
            const bool keep_alive = req.keep_alive();
            const unsigned version = req.version();
            // The session outlives the wait: the reply holds it.
            auto reply = [self = shared_from_this(), keep_alive, version](answer a) {
                if (self->s_->stopped) return;
                self->write(std::move(a), keep_alive, version);
            };
            if (s_->r.any) {
                auto type = req[bhttp::field::content_type];
                auto authorization = req[bhttp::field::authorization];
                return s_->r.any(method, target, std::string_view(type.data(), type.size()),
                                 std::string_view(authorization.data(), authorization.size()), std::move(req.body()),
                                 std::move(reply));
            }
            if (!to_console && s_->r.query && target.substr(0, target.find('?')) == "/v1/query") {
                return s_->r.query(method, std::move(req.body()), std::move(reply));
            }
            if (!to_console && method == "POST" && s_->r.key_write) {
                std::optional<std::string_view> if_match;
                if (auto it = req.find(bhttp::field::if_match); it != req.end()) {
                    if_match = std::string_view(it->value().data(), it->value().size());
                }
                return s_->r.key_write(target, if_match, std::move(req.body()), std::move(reply));
            }
            if (!to_console && method == "GET" && s_->r.key_follow &&
                target.find("follow=") != std::string_view::npos) {
                std::optional<std::string_view> last_event_id;
                if (auto it = req.find("Last-Event-ID"); it != req.end()) {
                    last_event_id = std::string_view(it->value().data(), it->value().size());
                }
                return s_->r.key_follow(target, last_event_id, std::move(reply));
            }
            if (!to_console) return s_->r.keys(method, target, std::move(reply));
            return s_->r.console(method, target, std::move(req.body()), std::move(reply));
        }
        answer a = route(method, target, s_->r);
        write(std::move(a), req.keep_alive(), req.version());
    }

    // An event stream: the head, then whatever is sent until either side
    // closes. Reading on only notices the client leaving.
    void start_stream(const std::function<void(std::shared_ptr<event_sink>)>& stream, const std::string& type) {
        stream_.expires_never();
        if (type.empty()) {
            enqueue(
                "HTTP/1.1 200 OK\r\nServer: sluice\r\nContent-Type: text/event-stream\r\n"
                "Cache-Control: no-store\r\nConnection: close\r\n\r\n");
        } else {
            enqueue("HTTP/1.1 200 OK\r\nServer: sluice\r\nContent-Type: " + type +
                    "\r\nTransfer-Encoding: chunked\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n");
            chunked_ = true;
        }
        watch_for_close();
        stream(shared_from_this());
    }
    void watch_for_close() {
        stream_.socket().async_read_some(asio::buffer(scratch_),
                                         [self = shared_from_this()](beast::error_code ec, size_t) {
                                             if (ec || self->closed_) return self->close();
                                             self->watch_for_close();
                                         });
    }
    void write_next() {
        if (pending_.empty() || closed_) {
            writing_ = false;
            if (finishing_ && !closed_) close();
            return;
        }
        writing_ = true;
        asio::async_write(stream_.socket(), asio::buffer(pending_.front()),
                          [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (ec || self->closed_) return self->close();
                              self->queued_bytes_ -= self->pending_.front().size();
                              self->pending_.pop_front();
                              self->write_next();
                          });
    }

    void write(answer a, bool keep_alive, unsigned version) {
        if (a.stream && a.status == 200) return start_stream(a.stream, a.stream_type);
        auto res = std::make_shared<bhttp::response<bhttp::string_body>>(static_cast<bhttp::status>(a.status), version);
        res->set(bhttp::field::server, "sluice");
        res->set(bhttp::field::content_type, a.content_type);
        if (a.allow_get) res->set(bhttp::field::allow, "GET");
        if (!a.allow.empty()) res->set(bhttp::field::allow, a.allow);
        if (!a.location.empty()) res->set(bhttp::field::location, a.location);
        if (!a.www_authenticate.empty()) res->set(bhttp::field::www_authenticate, a.www_authenticate);
        if (a.console_page) {
            // Defence in depth behind the pages' own escaping: no inline
            // script, nothing from elsewhere, not framed.
            res->set("Content-Security-Policy",
                     "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                     "frame-ancestors 'none'");
            res->set("X-Content-Type-Options", "nosniff");
            res->set(bhttp::field::cache_control, "no-store");
        }
        res->keep_alive(keep_alive);
        res->body() = std::move(a.body);
        res->prepare_payload();
        stream_.expires_after(s_->timeout);
        bhttp::async_write(stream_, *res, [self = shared_from_this(), res, keep_alive](beast::error_code ec, size_t) {
            if (ec || !keep_alive) return self->close();
            self->read();
        });
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_{http_server::header_limit};
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    std::shared_ptr<http_server::shared> s_;
    std::list<std::weak_ptr<session>>::iterator self_;
    // Event streams only.
    static constexpr size_t stream_queue_limit = 4 << 20;
    bool closed_ = false;
    bool writing_ = false;
    bool chunked_ = false;    // answer::stream_type: each send() one chunk
    bool finishing_ = false;  // the last chunk is queued: close once written
    size_t queued_bytes_ = 0;
    std::deque<std::string> pending_;
    std::array<char, 512> scratch_{};
    std::shared_ptr<void> owner_;
};

http_server::http_server(asio::io_context& io, const std::vector<listener>& listeners, routes r,
                         std::chrono::milliseconds request_timeout, server_options options)
    : shared_(std::make_shared<shared>(shared{std::move(r), request_timeout, options.body_limit, {}, false})) {
    tcp::resolver resolver(io);
    for (const auto& l : listeners) {
        beast::error_code ec;
        auto found = resolver.resolve(l.host.empty() ? "0.0.0.0" : l.host, std::to_string(l.port), ec);
        if (ec || found.empty()) {
            throw std::runtime_error(options.property + ": cannot resolve " + l.host + ": " + ec.message());
        }
        auto a = std::make_unique<tcp::acceptor>(io);
        tcp::endpoint at = found.begin()->endpoint();
        a->open(at.protocol(), ec);
        if (!ec) a->set_option(asio::socket_base::reuse_address(true), ec);
        if (!ec) a->bind(at, ec);
        if (!ec) a->listen(asio::socket_base::max_listen_connections, ec);
        if (ec) {
            throw std::runtime_error(options.property + ": cannot listen on " + l.host + ":" + std::to_string(l.port) +
                                     ": " + ec.message());
        }
        spdlog::info("{} on {}:{}", options.purpose, at.address().to_string(), a->local_endpoint().port());
        acceptors_.push_back(std::move(a));
    }
    for (size_t i = 0; i < acceptors_.size(); ++i)
        accept(i);
}

http_server::~http_server() { stop(); }

void http_server::stop() {
    if (shared_->stopped) return;
    for (auto& a : acceptors_) {
        beast::error_code ignored;
        a->close(ignored);
    }
    // Sessions erase themselves from the list as they end: copy it first.
    auto open = std::move(shared_->sessions);
    shared_->stopped = true;
    for (auto& w : open) {
        if (auto s = w.lock()) s->close();
    }
}

uint16_t http_server::bound_port() const {
    return acceptors_.empty() ? 0 : acceptors_.front()->local_endpoint().port();
}

void http_server::accept(size_t i) {
    acceptors_[i]->async_accept([this, i, sh = shared_](beast::error_code ec, tcp::socket socket) {
        if (sh->stopped || ec == asio::error::operation_aborted) return;
        if (!ec && sh->sessions.size() >= max_connections) {
            beast::error_code ignored;
            socket.close(ignored);
        } else if (!ec) {
            auto s = std::make_shared<session>(std::move(socket), sh);
            sh->sessions.push_front(s);
            s->start(sh->sessions.begin());
        }
        accept(i);
    });
}

}  // namespace sluice::broker::http

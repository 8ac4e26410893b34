#include "replication/etcd/etcd_watch.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/stream_parser.hpp>

#include "replication/etcd/etcd_http.h"
#include "replication/etcd/etcd_json.h"
#include "replication/etcd/etcd_watch_impl.h"

namespace sluice::replication::etcd::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

class watch_call final : public watch_stream, public std::enable_shared_from_this<watch_call> {
public:
    watch_call(asio::any_io_executor ex, std::shared_ptr<endpoint_choice> choice, std::string body,
               std::chrono::milliseconds connect_timeout, std::function<void(const watch_response&)> on_message,
               std::function<void(const error&)> on_end)
        : resolver_(ex),
          stream_(ex),
          choice_(std::move(choice)),
          connect_timeout_(connect_timeout),
          on_message_(std::move(on_message)),
          on_end_(std::move(on_end)),
          first_(choice_->preferred.load() % choice_->endpoints.size()) {
        request_.method(http::verb::post);
        request_.target("/v3/watch");
        request_.set(http::field::content_type, "application/json");
        request_.body() = std::move(body);
        // A watch answer never ends while the watch lives.
        parser_.body_limit(boost::none);
        on_chunk_ = [this](uint64_t, beast::string_view data, beast::error_code&) {
            feed(data);
            return data.size();
        };
        parser_.on_chunk_body(on_chunk_);
    }

    void start() { try_endpoint(); }

    void cancel() override {
        if (ended_) return;
        ended_ = true;
        on_message_ = nullptr;
        on_end_ = nullptr;
        beast::error_code ignored;
        resolver_.cancel();
        stream_.socket().close(ignored);
    }

private:
    const endpoint& current() const { return choice_->endpoints[(first_ + attempt_) % choice_->endpoints.size()]; }

    void try_endpoint() {
        const endpoint& e = current();
        request_.set(http::field::host, e.host + ":" + e.port);
        request_.prepare_payload();
        resolver_.async_resolve(e.host, e.port, [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type r) {
            if (self->ended_) return;
            if (ec) return self->next_endpoint(ec);
            self->stream_.expires_after(self->connect_timeout_);
            self->stream_.async_connect(r, [self](beast::error_code ec2, const tcp::endpoint&) {
                if (self->ended_) return;
                if (ec2) return self->next_endpoint(ec2);
                self->send();
            });
        });
    }

    void next_endpoint(beast::error_code ec) {
        beast::error_code ignored;
        stream_.socket().close(ignored);
        if (++attempt_ < choice_->endpoints.size()) return try_endpoint();
        end(error{error::kind::unavailable, 0, "no etcd endpoint accepted the watch: " + ec.message()});
    }

    void send() {
        http::async_write(stream_, request_, [self = shared_from_this()](beast::error_code ec, size_t) {
            if (self->ended_) return;
            if (ec) return self->end(error{error::kind::unavailable, 0, "etcd watch: " + ec.message()});
            // From here the stream may stay quiet for as long as nothing changes.
            self->stream_.expires_never();
            self->read_more();
        });
    }

    void read_more() {
        http::async_read_some(stream_, buffer_, parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
            if (self->ended_) return;
            if (ec) return self->end(error{error::kind::unavailable, 0, "etcd watch stream ended: " + ec.message()});
            if (self->parser_.is_header_done() && self->parser_.get().result_int() != 200) {
                return self->end(error{error::kind::server, 0,
                                       "etcd refused the watch: HTTP " +
                                           std::to_string(self->parser_.get().result_int())});
            }
            if (self->parser_.is_done()) return self->end(error{error::kind::unavailable, 0, "etcd closed the watch"});
            self->read_more();
        });
    }

    // The gateway writes one JSON object per message; a chunk may hold part
    // of one or several.
    void feed(beast::string_view data) {
        while (!data.empty() && !ended_) {
            boost::system::error_code ec;
            size_t used = json_.write_some(data.data(), data.size(), ec);
            if (ec) return end(error{error::kind::bad_response, 0, "etcd watch sent bad JSON: " + ec.message()});
            data.remove_prefix(used);
            if (!json_.done()) continue;
            boost::json::value v = json_.release();
            json_.reset();
            auto message = json::parse_watch(v);
            if (!message) return end(message.err());
            if (message->canceled) {
                return end(error{error::kind::server, 0,
                                 message->compact_revision > 0
                                     ? "etcd watch canceled: revision compacted up to " +
                                           std::to_string(message->compact_revision)
                                     : "etcd canceled the watch"});
            }
            if (!on_message_) continue;
            // A copy: the callback may cancel() this watch, which drops on_message_.
            auto deliver = on_message_;
            deliver(message.value());
        }
    }

    void end(const error& e) {
        if (ended_) return;
        ended_ = true;
        auto on_end = std::move(on_end_);
        on_message_ = nullptr;
        on_end_ = nullptr;
        beast::error_code ignored;
        stream_.socket().close(ignored);
        if (on_end) on_end(e);
    }

    tcp::resolver resolver_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    http::request<http::string_body> request_;
    http::response_parser<http::string_body> parser_;
    std::function<size_t(uint64_t, beast::string_view, beast::error_code&)> on_chunk_;
    boost::json::stream_parser json_;
    std::shared_ptr<endpoint_choice> choice_;
    std::chrono::milliseconds connect_timeout_;
    std::function<void(const watch_response&)> on_message_;
    std::function<void(const error&)> on_end_;
    size_t first_;
    size_t attempt_ = 0;
    bool ended_ = false;
};

}  // namespace

std::shared_ptr<watch_stream> start_watch(asio::any_io_executor executor, std::shared_ptr<endpoint_choice> choice,
                                          std::string body, std::chrono::milliseconds connect_timeout,
                                          std::function<void(const watch_response&)> on_message,
                                          std::function<void(const error&)> on_end) {
    auto w = std::make_shared<watch_call>(std::move(executor), std::move(choice), std::move(body), connect_timeout,
                                          std::move(on_message), std::move(on_end));
    w->start();
    return w;
}

}  // namespace sluice::replication::etcd::detail

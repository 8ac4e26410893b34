#include "replication/etcd/etcd_http.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>

#include "replication/etcd/etcd_json.h"

namespace sluice::replication::etcd::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// Answers bigger than this are a broken etcd or a wrong endpoint.
constexpr uint64_t max_answer_bytes = 64ull << 20;

error error_answer(const boost::json::value& v, boost::system::error_code parse_error, int status) {
    if (parse_error) return error{error::kind::server, 0, "etcd answered HTTP " + std::to_string(status)};
    return json::parse_error(v, status);
}

class call : public std::enable_shared_from_this<call> {
public:
    call(asio::any_io_executor ex, std::shared_ptr<endpoint_choice> choice, std::string path, std::string body,
         std::chrono::milliseconds timeout, std::function<void(result<boost::json::value>)> done)
        : resolver_(ex),
          stream_(ex),
          choice_(std::move(choice)),
          timeout_(timeout),
          done_(std::move(done)),
          first_(choice_->preferred.load() % choice_->endpoints.size()) {
        request_.method(http::verb::post);
        request_.target(path);
        request_.set(http::field::content_type, "application/json");
        request_.body() = std::move(body);
    }

    void start() { try_endpoint(); }

private:
    const endpoint& current() const {
        return choice_->endpoints[(first_ + attempt_) % choice_->endpoints.size()];
    }

    void try_endpoint() {
        const endpoint& e = current();
        request_.set(http::field::host, e.host + ":" + e.port);
        request_.prepare_payload();
        resolver_.async_resolve(e.host, e.port, [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type r) {
            if (ec) return self->next_endpoint(ec);
            self->stream_.expires_after(self->timeout_);
            self->stream_.async_connect(r, [self](beast::error_code ec2, const tcp::endpoint&) {
                if (ec2) return self->next_endpoint(ec2);
                self->send();
            });
        });
    }

    void next_endpoint(beast::error_code ec) {
        beast::error_code ignored;
        stream_.socket().close(ignored);
        if (++attempt_ < choice_->endpoints.size()) return try_endpoint();
        bool timed_out = ec == beast::error::timeout;
        finish(error{timed_out ? error::kind::timeout : error::kind::unavailable, 0,
                     "no etcd endpoint answered (last: " + current().host + ":" + current().port + ": " +
                         ec.message() + ")"});
    }

    void send() {
        choice_->preferred.store((first_ + attempt_) % choice_->endpoints.size());
        http::async_write(stream_, request_, [self = shared_from_this()](beast::error_code ec, size_t) {
            if (ec) return self->fail(ec);
            self->parser_.body_limit(max_answer_bytes);
            http::async_read(self->stream_, self->buffer_, self->parser_,
                             [self](beast::error_code ec2, size_t) {
                                 if (ec2) return self->fail(ec2);
                                 self->answered();
                             });
        });
    }

    void fail(beast::error_code ec) {
        bool timed_out = ec == beast::error::timeout;
        finish(error{timed_out ? error::kind::timeout : error::kind::unavailable, 0,
                     "etcd at " + current().host + ":" + current().port + " failed: " + ec.message()});
    }

    void answered() {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        const auto& msg = parser_.get();
        boost::system::error_code ec;
        boost::json::value v = boost::json::parse(msg.body(), ec);
        int status = static_cast<int>(msg.result_int());
        if (status != 200) return finish(error_answer(v, ec, status));
        if (ec) return finish(error{error::kind::bad_response, 0, "etcd answered unparsable JSON: " + ec.message()});
        finish(std::move(v));
    }

    void finish(result<boost::json::value> r) {
        auto done = std::move(done_);
        done_ = nullptr;
        if (done) done(std::move(r));
    }

    tcp::resolver resolver_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    http::request<http::string_body> request_;
    http::response_parser<http::string_body> parser_;
    std::shared_ptr<endpoint_choice> choice_;
    std::chrono::milliseconds timeout_;
    std::function<void(result<boost::json::value>)> done_;
    size_t first_;
    size_t attempt_ = 0;
};

}  // namespace

void post_json(asio::any_io_executor executor, std::shared_ptr<endpoint_choice> choice, std::string path,
               std::string body, std::chrono::milliseconds timeout,
               std::function<void(result<boost::json::value>)> done) {
    std::make_shared<call>(std::move(executor), std::move(choice), std::move(path), std::move(body), timeout,
                           std::move(done))
        ->start();
}

}  // namespace sluice::replication::etcd::detail

#include "broker/schema_registry/forwarder.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>

#include "broker/schema_registry/rest.h"

namespace sluice::broker::schema_registry {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

struct exchange : std::enable_shared_from_this<exchange> {
    exchange(asio::io_context& io, std::function<void(std::optional<http::answer>)> d)
        : resolver(io), stream(io), done(std::move(d)) {}

    void finish(std::optional<http::answer> a) {
        beast::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream.close();
        if (done) std::exchange(done, nullptr)(std::move(a));
    }

    tcp::resolver resolver;
    beast::tcp_stream stream;
    bhttp::request<bhttp::string_body> request;
    bhttp::response<bhttp::string_body> response;
    beast::flat_buffer buffer;
    std::function<void(std::optional<http::answer>)> done;
};

}  // namespace

void forward(asio::io_context& io, const std::string& host, uint16_t port, std::string method, std::string target,
             std::string body, std::string authorization, std::chrono::milliseconds timeout,
             std::function<void(std::optional<http::answer>)> done) {
    auto x = std::make_shared<exchange>(io, std::move(done));
    target += (target.find('?') == std::string::npos ? "?" : "&") + std::string(forwarded_parameter) + "=true";
    x->request = bhttp::request<bhttp::string_body>(bhttp::string_to_verb(method), target, 11);
    x->request.set(bhttp::field::host, host + ":" + std::to_string(port));
    x->request.set(bhttp::field::content_type, content_type);
    x->request.set(bhttp::field::accept, content_type);
    if (!authorization.empty()) x->request.set(bhttp::field::authorization, authorization);
    x->request.body() = std::move(body);
    x->request.prepare_payload();
    x->stream.expires_after(timeout);
    x->resolver.async_resolve(host, std::to_string(port), [x](beast::error_code ec, tcp::resolver::results_type r) {
        if (ec) return x->finish(std::nullopt);
        x->stream.async_connect(r, [x](beast::error_code ec, const tcp::endpoint&) {
            if (ec) return x->finish(std::nullopt);
            bhttp::async_write(x->stream, x->request, [x](beast::error_code ec, size_t) {
                if (ec) return x->finish(std::nullopt);
                bhttp::async_read(x->stream, x->buffer, x->response, [x](beast::error_code ec, size_t) {
                    if (ec) return x->finish(std::nullopt);
                    http::answer a;
                    a.status = x->response.result_int();
                    a.body = std::move(x->response.body());
                    auto ct = x->response[bhttp::field::content_type];
                    a.content_type = ct.empty() ? std::string(content_type) : std::string(ct);
                    x->finish(std::move(a));
                });
            });
        });
    });
}

}  // namespace sluice::broker::schema_registry

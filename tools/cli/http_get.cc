#include "tools/cli/http_get.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <utility>

#include "tools/cli/cli_error.h"

namespace sluice::tools {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

namespace {

// Blocking socket calls honour these; a silent listener cannot hang the command.
void set_timeouts(asio::ip::tcp::socket& s, std::chrono::milliseconds timeout) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// HOST:PORT of --http, split; usage_error otherwise.
std::pair<std::string, std::string> host_and_port(const std::string& host_port) {
    const size_t colon = host_port.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == host_port.size()) {
        throw usage_error("--http must be HOST:PORT, not '" + host_port + "'");
    }
    return {host_port.substr(0, colon), host_port.substr(colon + 1)};
}

// Connects `socket` and sends one request (no keep-alive): a GET of
// `target`, or with a `json_body` a POST of it.
void send_request(asio::io_context& io, asio::ip::tcp::socket& socket, const std::string& host_port,
                  const std::string& target, std::chrono::milliseconds timeout,
                  const std::string* json_body = nullptr) {
    auto [host, port] = host_and_port(host_port);
    asio::ip::tcp::resolver resolver(io);
    asio::connect(socket, resolver.resolve(host, port));
    set_timeouts(socket, timeout);
    bhttp::request<bhttp::string_body> req(json_body ? bhttp::verb::post : bhttp::verb::get, target, 11);
    req.set(bhttp::field::host, host_port);
    req.set(bhttp::field::user_agent, "sluice-cli");
    if (json_body) {
        req.set(bhttp::field::content_type, "application/json");
        req.body() = *json_body;
    }
    req.keep_alive(false);
    req.prepare_payload();
    bhttp::write(socket, req);
}

// The answer's status and type; the whole body too when it is not 200
// (an error is short: read it at once).
http_reply read_head(asio::ip::tcp::socket& socket, boost::beast::flat_buffer& buffer,
                     bhttp::response_parser<bhttp::string_body>& parser) {
    bhttp::read_header(socket, buffer, parser);
    http_reply out;
    out.status = parser.get().result_int();
    out.content_type = std::string(parser.get()[bhttp::field::content_type]);
    if (out.status != 200) {
        bhttp::read(socket, buffer, parser);
        out.body = parser.get().body();
    }
    return out;
}

}  // namespace

http_reply http_get(const std::string& host_port, const std::string& target, std::chrono::milliseconds timeout) {
    host_and_port(host_port);  // a bad --http is a usage error, not a failed request
    try {
        asio::io_context io;
        asio::ip::tcp::socket socket(io);
        send_request(io, socket, host_port, target, timeout);
        boost::beast::flat_buffer buffer;
        bhttp::response_parser<bhttp::string_body> parser;
        parser.body_limit(1ULL << 30);
        bhttp::read(socket, buffer, parser);
        const auto& res = parser.get();
        http_reply out;
        out.status = res.result_int();
        out.content_type = std::string(res[bhttp::field::content_type]);
        out.body = res.body();
        return out;
    } catch (const boost::system::system_error& e) {
        throw cli_error("HTTP request to " + host_port + " failed: " + e.code().message());
    }
}

http_reply http_get_lines(const std::string& host_port, const std::string& target, std::chrono::milliseconds idle,
                          const std::function<bool(std::string_view)>& on_line) {
    host_and_port(host_port);  // a bad --http is a usage error, not a failed request
    try {
        asio::io_context io;
        asio::ip::tcp::socket socket(io);
        send_request(io, socket, host_port, target, idle);
        boost::beast::flat_buffer buffer;
        bhttp::response_parser<bhttp::string_body> parser;
        parser.body_limit(1ULL << 30);
        http_reply out = read_head(socket, buffer, parser);
        if (out.status != 200) return out;
        // The body runs until the server closes: read it raw, line by line.
        std::string pending(static_cast<const char*>(buffer.data().data()), buffer.size());
        char chunk[4096];
        while (true) {
            size_t nl;
            while ((nl = pending.find('\n')) != std::string::npos) {
                if (!on_line(std::string_view(pending).substr(0, nl))) return out;
                pending.erase(0, nl + 1);
            }
            boost::system::error_code ec;
            const size_t n = socket.read_some(asio::buffer(chunk), ec);
            if (ec == asio::error::eof || ec == asio::error::connection_reset) return out;
            if (ec) throw boost::system::system_error(ec);
            pending.append(chunk, n);
        }
    } catch (const boost::system::system_error& e) {
        throw cli_error("HTTP request to " + host_port + " failed: " + e.code().message());
    }
}

http_reply http_post_lines(const std::string& host_port, const std::string& target, const std::string& json_body,
                           std::chrono::milliseconds idle, const std::function<bool(std::string_view)>& on_line) {
    host_and_port(host_port);  // a bad --http is a usage error, not a failed request
    try {
        asio::io_context io;
        asio::ip::tcp::socket socket(io);
        send_request(io, socket, host_port, target, idle, &json_body);
        boost::beast::flat_buffer buffer;
        bhttp::response_parser<bhttp::string_body> parser;
        parser.body_limit(boost::none);
        // Each chunk as it comes (the parser keeps none of it), cut into lines.
        // Set before the head is read, as Beast asks; error answers are not chunked.
        std::string pending;
        bool stopped = false;
        auto deliver = [&] {
            size_t nl;
            while (!stopped && (nl = pending.find('\n')) != std::string::npos) {
                if (!on_line(std::string_view(pending).substr(0, nl))) stopped = true;
                pending.erase(0, nl + 1);
            }
        };
        auto on_chunk = [&](std::uint64_t, boost::beast::string_view data, boost::system::error_code&) -> std::size_t {
            pending.append(data.data(), data.size());
            deliver();
            return data.size();
        };
        parser.on_chunk_body(on_chunk);
        http_reply out = read_head(socket, buffer, parser);
        if (out.status != 200) return out;
        while (!stopped && !parser.is_done()) {
            bhttp::read_some(socket, buffer, parser);
            if (!parser.chunked()) {  // a body without chunks: lines as they come all the same
                pending += parser.get().body();
                parser.get().body().clear();
                deliver();
            }
        }
        if (!stopped && !pending.empty()) on_line(pending);
        return out;
    } catch (const boost::system::system_error& e) {
        throw cli_error("HTTP request to " + host_port + " failed: " + e.code().message());
    }
}

std::string url_encode(std::string_view bytes) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : bytes) {
        const auto u = static_cast<unsigned char>(c);
        if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || u == '-' || u == '.' ||
            u == '_' || u == '~') {
            out.push_back(c);
        } else {
            out.push_back('%');
            out.push_back(hex[u >> 4]);
            out.push_back(hex[u & 15]);
        }
    }
    return out;
}

}  // namespace sluice::tools

#include "broker/http/http_server.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "broker/http/router.h"

namespace sluice::broker::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

routes test_routes(std::optional<std::string>* why) {
    routes r;
    r.metrics = [] { return std::string("m_total 1\n"); };
    r.not_ready = [why] { return *why; };
    return r;
}

TEST(RouterTest, Statuses) {
    std::optional<std::string> why;
    routes r = test_routes(&why);
    EXPECT_EQ(route("GET", "/metrics", r).status, 200u);
    EXPECT_EQ(route("GET", "/metrics", r).content_type, "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_EQ(route("GET", "/metrics?name[]=x", r).status, 200u);
    EXPECT_EQ(route("GET", "/healthz", r).status, 200u);
    EXPECT_EQ(route("GET", "/readyz", r).status, 200u);
    why = "partition t-0 has no leader";
    answer not_ready = route("GET", "/readyz", r);
    EXPECT_EQ(not_ready.status, 503u);
    EXPECT_EQ(not_ready.body, "partition t-0 has no leader\n");
    EXPECT_EQ(route("GET", "/", r).status, 404u);
    EXPECT_EQ(route("GET", "/metrics/", r).status, 404u);
    EXPECT_EQ(route("GET", "/../metrics", r).status, 404u);
    EXPECT_EQ(route("POST", "/nothing", r).status, 404u);
    answer post = route("POST", "/metrics", r);
    EXPECT_EQ(post.status, 405u);
    EXPECT_TRUE(post.allow_get);
    EXPECT_EQ(route("DELETE", "/healthz", r).status, 405u);
}

TEST(RouterTest, ConsolePaths) {
    for (const char* p : {"/", "/?x=1", "/console", "/console/", "/console/app.js", "/api", "/api/", "/api/v1/topics",
                          "/api/v1/topics?x=/metrics"}) {
        EXPECT_TRUE(console_path(p)) << p;
    }
    for (const char* p : {"/metrics", "/healthz", "/readyz", "/consoles", "/apis", "//", "/x/api/", "/metrics?/api/"}) {
        EXPECT_FALSE(console_path(p)) << p;
    }
}

// A real server on port 0, its io_context on a thread, and raw sockets.
class HttpServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        listener l;
        l.name = "HTTP";
        l.host = "127.0.0.1";
        l.port = 0;
        routes r = test_routes(&why_);
        // The console's paths answer later, as its actions do; "/api/held"
        // keeps the reply for the test to call.
        r.console = [this](std::string_view method, std::string_view target, std::string body, routes::reply_fn reply) {
            if (target == "/api/held") {
                held_ = std::move(reply);
                return;
            }
            answer a;
            a.body = std::string(method) + " " + std::string(target) + " " + body;
            if (target == "/api/405") {
                a.status = 405;
                a.allow = "GET, POST";
            }
            a.console_page = target == "/console/";
            asio::post(io_, [reply = std::move(reply), a = std::move(a)]() mutable { reply(std::move(a)); });
        };
        server_.emplace(io_, std::vector<listener>{l}, std::move(r), 300ms);
        work_.emplace(io_.get_executor());
        thread_ = std::thread([this] { io_.run(); });
    }
    void TearDown() override {
        asio::post(io_, [this] { server_->stop(); });
        work_.reset();
        thread_.join();
    }
    tcp::socket connect() {
        tcp::socket s(client_io_);
        s.connect({asio::ip::make_address("127.0.0.1"), server_->bound_port()});
        return s;
    }
    // Everything until the server closes the connection.
    static std::string read_all(tcp::socket& s) {
        std::string out;
        boost::system::error_code ec;
        char buf[4096];
        for (;;) {
            size_t n = s.read_some(asio::buffer(buf), ec);
            if (ec) break;
            out.append(buf, n);
        }
        return out;
    }
    std::string exchange(const std::string& request) {
        tcp::socket s = connect();
        asio::write(s, asio::buffer(request));
        return read_all(s);
    }

    asio::io_context io_;
    asio::io_context client_io_;
    std::optional<std::string> why_;
    routes::reply_fn held_;
    std::optional<http_server> server_;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
    std::thread thread_;
};

TEST_F(HttpServerTest, ServesMetrics) {
    std::string r = exchange("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK\r\n")) << r;
    EXPECT_NE(r.find("\r\n\r\nm_total 1\n"), std::string::npos) << r;
}

TEST_F(HttpServerTest, KeepsAliveForTwoRequests) {
    std::string r = exchange(
        "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
        "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK\r\n")) << r;
    EXPECT_NE(r.find("HTTP/1.1 404 Not Found\r\n"), std::string::npos) << r;
}

TEST_F(HttpServerTest, ConsoleAnswersLaterAndInOrder) {
    std::string r = exchange(
        "POST /api/v1/topics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
        "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const size_t first = r.find("POST /api/v1/topics hello");
    const size_t second = r.find("m_total 1\n");
    ASSERT_NE(first, std::string::npos) << r;
    ASSERT_NE(second, std::string::npos) << r;
    EXPECT_LT(first, second);
}

TEST_F(HttpServerTest, ConsoleHeaders) {
    std::string r = exchange("DELETE /api/405 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_TRUE(r.starts_with("HTTP/1.1 405 ")) << r;
    EXPECT_NE(r.find("Allow: GET, POST\r\n"), std::string::npos) << r;
    r = exchange("GET /console/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_NE(r.find("Content-Security-Policy: default-src 'self'"), std::string::npos) << r;
    EXPECT_NE(r.find("X-Content-Type-Options: nosniff\r\n"), std::string::npos) << r;
    r = exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(r.find("Content-Security-Policy"), std::string::npos) << r;
}

TEST_F(HttpServerTest, ConsoleBodyPastTheLimitIs413) {
    std::string r = exchange(
        "POST /api/v1/topics HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(http_server::body_limit + 1) +
        "\r\n\r\n" + std::string(http_server::body_limit + 1, '{'));
    EXPECT_TRUE(r.starts_with("HTTP/1.1 413 ")) << r.substr(0, 100);
}

TEST_F(HttpServerTest, AReplyAfterStopIsDropped) {
    tcp::socket s = connect();
    asio::write(s, asio::buffer(std::string("GET /api/held HTTP/1.1\r\nHost: x\r\n\r\n")));
    std::this_thread::sleep_for(100ms);  // read and held
    asio::post(io_, [this] {
        server_->stop();
        ASSERT_TRUE(held_);
        held_(answer{});  // the session is closed: nothing is written, nothing breaks
        held_ = nullptr;
    });
    EXPECT_EQ(read_all(s), "");
}

TEST_F(HttpServerTest, OversizedHeaderIs431) {
    std::string big(http_server::header_limit + 100, 'a');
    std::string r = exchange("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + big + "\r\n\r\n");
    EXPECT_TRUE(r.starts_with("HTTP/1.1 431 ")) << r.substr(0, 100);
}

TEST_F(HttpServerTest, OversizedRequestLineIs431) {
    std::string r = exchange("GET /" + std::string(http_server::header_limit + 10, 'x') + " HTTP/1.1\r\n\r\n");
    EXPECT_TRUE(r.starts_with("HTTP/1.1 431 ")) << r.substr(0, 100);
}

TEST_F(HttpServerTest, OversizedBodyIs413) {
    std::string r = exchange("GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" +
                             std::string(http_server::body_limit + 10, 'b'));
    EXPECT_TRUE(r.starts_with("HTTP/1.1 413 ")) << r.substr(0, 100);
}

TEST_F(HttpServerTest, GarbageIs400) {
    std::string r = exchange(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 15));
    EXPECT_TRUE(r.starts_with("HTTP/1.1 400 ")) << r.substr(0, 100);
}

TEST_F(HttpServerTest, StalledRequestIsClosedAfterTheTimeout) {
    tcp::socket s = connect();
    asio::write(s, asio::buffer(std::string("GET /metrics HTTP/1.1\r\nHost: x\r\n")));
    auto start = std::chrono::steady_clock::now();
    std::string r = read_all(s);  // returns once the server closes
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(r, "");
    EXPECT_GE(took, 250ms);
    EXPECT_LT(took, 5s);
}

TEST_F(HttpServerTest, StopClosesOpenConnections) {
    tcp::socket s = connect();
    std::this_thread::sleep_for(50ms);  // accepted
    asio::post(io_, [this] { server_->stop(); });
    std::string r = read_all(s);
    EXPECT_EQ(r, "");
}

TEST_F(HttpServerTest, ConnectionsPastTheLimitAreClosedAtOnce) {
    std::vector<tcp::socket> open;
    for (size_t i = 0; i < http_server::max_connections; ++i)
        open.push_back(connect());
    std::this_thread::sleep_for(100ms);  // all accepted
    tcp::socket extra = connect();
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(read_all(extra), "");
    // Closed at once, not by the 300 ms request timeout.
    EXPECT_LT(std::chrono::steady_clock::now() - start, 200ms);
    open.pop_back();  // one closes: room again
    std::this_thread::sleep_for(100ms);
    EXPECT_TRUE(exchange("GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n").starts_with("HTTP/1.1 200"));
}

TEST(HttpServerBindTest, BusyPortIsAStartupErrorNamingTheProperty) {
    asio::io_context io;
    tcp::acceptor taken(io, {asio::ip::make_address("127.0.0.1"), 0});
    listener l;
    l.host = "127.0.0.1";
    l.port = taken.local_endpoint().port();
    std::optional<std::string> why;
    try {
        http_server s(io, {l}, test_routes(&why), 1s);
        FAIL() << "bound a busy port";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("http.listeners"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace sluice::broker::http

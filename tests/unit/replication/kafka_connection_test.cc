// The client connection to another broker, against a scripted server:
// request headers as Kafka writes them, pipelined answers in order, and
// every failure shape failing what is outstanding, then reconnecting.
#include "replication/kafka_connection.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <deque>

namespace sluice::replication {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct seen_request {
    int16_t api_key, api_version;
    int32_t correlation;
    std::optional<std::string> client_id;
    protocol::bytes rest;  // after the client id
};

// Accepts connections and hands each request frame to `answer`, which
// returns the bytes to send back (empty: say nothing; "close": hang up).
class scripted_server {
public:
    using answer_fn = std::function<std::optional<protocol::bytes>(const seen_request&)>;
    explicit scripted_server(asio::io_context& io) : acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
        accept();
    }
    std::string port() const { return std::to_string(acceptor_.local_endpoint().port()); }
    answer_fn answer;
    std::vector<seen_request> requests;
    int connections = 0;

    static protocol::bytes frame(int32_t correlation, bool tagged, protocol::bytes body) {
        protocol::writer w;
        w.write_int32(static_cast<int32_t>(4 + (tagged ? 1 : 0) + body.size()));
        w.write_int32(correlation);
        if (tagged) w.write_uvarint(0);
        w.write_raw(body);
        return w.buffer();
    }

private:
    struct session {
        tcp::socket socket;
        std::array<uint8_t, 4> size{};
        protocol::bytes body;
    };
    void accept() {
        acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket s) {
            if (ec) return;
            ++connections;
            auto sess = std::make_shared<session>(session{std::move(s), {}, {}});
            read(sess);
            accept();
        });
    }
    void read(std::shared_ptr<session> s) {
        asio::async_read(s->socket, asio::buffer(s->size), [this, s](boost::system::error_code ec, size_t) {
            if (ec) return;
            uint32_t n = (uint32_t{s->size[0]} << 24) | (s->size[1] << 16) | (s->size[2] << 8) | s->size[3];
            s->body.resize(n);
            asio::async_read(s->socket, asio::buffer(s->body), [this, s](boost::system::error_code ec2, size_t) {
                if (ec2) return;
                protocol::reader r(s->body);
                seen_request req{r.read_int16(), r.read_int16(), r.read_int32(), r.read_nullable_string(false), {}};
                auto rest = r.read_raw(r.remaining());
                req.rest.assign(rest.begin(), rest.end());
                requests.push_back(req);
                auto reply = answer ? answer(req) : std::nullopt;
                if (reply && reply->empty()) {
                    s->socket.close();
                    return;
                }
                if (reply) {
                    auto out = std::make_shared<protocol::bytes>(std::move(*reply));
                    asio::async_write(s->socket, asio::buffer(*out), [out](auto, auto) {});
                }
                read(s);
            });
        });
    }
    tcp::acceptor acceptor_;
};

class KafkaConnectionTest : public ::testing::Test {
protected:
    std::shared_ptr<kafka_connection> connect(std::chrono::milliseconds timeout = 2000ms) {
        return kafka_connection::create(io_.get_executor(), {"127.0.0.1", server_.port(), "sluice-replica-7", 1000ms, timeout});
    }
    bool run_until(std::function<bool()> cond, std::chrono::milliseconds limit = 5s) {
        auto deadline = std::chrono::steady_clock::now() + limit;
        io_.restart();
        while (!cond() && std::chrono::steady_clock::now() < deadline) io_.run_for(10ms);
        return cond();
    }
    static protocol::writer body_of(std::initializer_list<uint8_t> b) {
        protocol::writer w;
        w.write_raw(protocol::bytes(b));
        return w;
    }

    asio::io_context io_;
    scripted_server server_{io_};
};

TEST_F(KafkaConnectionTest, headers_are_written_and_stripped_per_version) {
    server_.answer = [](const seen_request& r) {
        bool tagged = r.api_key == 1 && r.api_version >= 12;  // Fetch v12+ is flexible
        return scripted_server::frame(r.correlation, tagged, {0xAB, 0xCD});
    };
    auto c = connect();
    std::vector<kafka_response> got;
    c->send(1, 12, body_of({1, 2, 3}), [&](kafka_response r) { got.push_back(std::move(r)); });
    c->send(1, 4, body_of({4}), [&](kafka_response r) { got.push_back(std::move(r)); });
    ASSERT_TRUE(run_until([&] { return got.size() == 2; }));
    for (const auto& r : got) {
        EXPECT_FALSE(r.error.has_value()) << *r.error;
        EXPECT_EQ(r.body, (protocol::bytes{0xAB, 0xCD}));
    }
    ASSERT_EQ(server_.requests.size(), 2u);
    EXPECT_EQ(server_.requests[0].api_key, 1);
    EXPECT_EQ(server_.requests[0].api_version, 12);
    EXPECT_EQ(server_.requests[0].client_id, "sluice-replica-7");
    EXPECT_EQ(server_.requests[0].rest, (protocol::bytes{0, 1, 2, 3}));  // empty tagged fields, then the body
    EXPECT_EQ(server_.requests[1].rest, (protocol::bytes{4}));          // v4: no tagged fields
    EXPECT_NE(server_.requests[0].correlation, server_.requests[1].correlation);
    EXPECT_EQ(server_.connections, 1);
}

TEST_F(KafkaConnectionTest, api_versions_answers_use_the_untagged_header) {
    server_.answer = [](const seen_request& r) { return scripted_server::frame(r.correlation, false, {7}); };
    auto c = connect();
    std::optional<kafka_response> got;
    c->send(18, 3, body_of({}), [&](kafka_response r) { got = std::move(r); });
    ASSERT_TRUE(run_until([&] { return got.has_value(); }));
    EXPECT_FALSE(got->error.has_value());
    EXPECT_EQ(got->body, protocol::bytes{7});
}

TEST_F(KafkaConnectionTest, a_mismatched_answer_fails_everything_outstanding) {
    server_.answer = [](const seen_request& r) { return scripted_server::frame(r.correlation + 100, false, {}); };
    auto c = connect();
    std::vector<kafka_response> got;
    c->send(3, 1, body_of({}), [&](kafka_response r) { got.push_back(std::move(r)); });
    c->send(3, 1, body_of({}), [&](kafka_response r) { got.push_back(std::move(r)); });
    ASSERT_TRUE(run_until([&] { return got.size() == 2; }));
    ASSERT_TRUE(got[0].error.has_value());
    EXPECT_NE(got[0].error->find("does not match"), std::string::npos) << *got[0].error;
    EXPECT_TRUE(got[1].error.has_value());
    EXPECT_FALSE(c->connected());
}

TEST_F(KafkaConnectionTest, a_hang_up_fails_the_request_and_the_next_one_reconnects) {
    int calls = 0;
    server_.answer = [&](const seen_request& r) -> std::optional<protocol::bytes> {
        if (++calls == 1) return protocol::bytes{};  // hang up
        return scripted_server::frame(r.correlation, false, {9});
    };
    auto c = connect();
    std::optional<kafka_response> first, second;
    c->send(3, 1, body_of({}), [&](kafka_response r) { first = std::move(r); });
    ASSERT_TRUE(run_until([&] { return first.has_value(); }));
    EXPECT_TRUE(first->error.has_value());
    c->send(3, 1, body_of({}), [&](kafka_response r) { second = std::move(r); });
    ASSERT_TRUE(run_until([&] { return second.has_value(); }));
    EXPECT_FALSE(second->error.has_value());
    EXPECT_EQ(server_.connections, 2);
}

TEST_F(KafkaConnectionTest, an_unanswered_request_times_out) {
    server_.answer = [](const seen_request&) { return std::nullopt; };
    auto c = connect(300ms);
    std::optional<kafka_response> got;
    auto started = std::chrono::steady_clock::now();
    c->send(1, 4, body_of({}), [&](kafka_response r) { got = std::move(r); });
    ASSERT_TRUE(run_until([&] { return got.has_value(); }));
    EXPECT_GE(std::chrono::steady_clock::now() - started, 250ms);
    ASSERT_TRUE(got->error.has_value());
    EXPECT_NE(got->error->find("timed out"), std::string::npos);
}

TEST_F(KafkaConnectionTest, an_oversized_answer_is_refused) {
    server_.answer = [](const seen_request& r) {
        protocol::writer w;
        w.write_int32(0x7fffffff);
        w.write_int32(r.correlation);
        return w.buffer();
    };
    auto c = connect();
    std::optional<kafka_response> got;
    c->send(1, 4, body_of({}), [&](kafka_response r) { got = std::move(r); });
    ASSERT_TRUE(run_until([&] { return got.has_value(); }));
    ASSERT_TRUE(got->error.has_value());
    EXPECT_NE(got->error->find("bytes from"), std::string::npos) << *got->error;
}

TEST_F(KafkaConnectionTest, nobody_listening_is_an_error_not_a_hang) {
    auto c = kafka_connection::create(io_.get_executor(), {"127.0.0.1", "1", "x", 1000ms, 1000ms});
    std::optional<kafka_response> got;
    c->send(1, 4, body_of({}), [&](kafka_response r) { got = std::move(r); });
    ASSERT_TRUE(run_until([&] { return got.has_value(); }));
    ASSERT_TRUE(got->error.has_value());
    EXPECT_NE(got->error->find("cannot connect"), std::string::npos) << *got->error;
}

}  // namespace
}  // namespace sluice::replication

#include "replication/kafka_connection.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <functional>
#include <optional>

#include "protocol/generated/api_registry.h"

namespace sluice::replication {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr int16_t api_versions_key = 18;
constexpr int16_t sasl_handshake_key = 17;
constexpr int16_t sasl_authenticate_key = 36;

class connection final : public kafka_connection, public std::enable_shared_from_this<connection> {
public:
    connection(asio::any_io_executor ex, options opts)
        : executor_(ex), resolver_(ex), socket_(ex), timer_(ex), connect_timer_(ex), options_(std::move(opts)) {}

    void send(int16_t api_key, int16_t api_version, const protocol::writer& body, response_fn done) override {
        const protocol::api_info* info = protocol::find_api(api_key);
        bool flexible = info != nullptr && info->is_flexible(api_version);
        int32_t correlation = next_correlation_++;
        protocol::writer frame;
        frame.write_int32(0);  // size, filled in below
        frame.write_int16(api_key);
        frame.write_int16(api_version);
        frame.write_int32(correlation);
        // The client id stays a classic nullable string in flexible headers.
        frame.write_nullable_string(options_.client_id, false);
        if (flexible) frame.write_uvarint(0);
        frame.write_raw(body.buffer());
        auto& buf = frame.buffer();
        uint32_t size = static_cast<uint32_t>(buf.size() - 4);
        buf[0] = static_cast<uint8_t>(size >> 24);
        buf[1] = static_cast<uint8_t>(size >> 16);
        buf[2] = static_cast<uint8_t>(size >> 8);
        buf[3] = static_cast<uint8_t>(size);
        // ApiVersions answers with the v0 response header whatever its version.
        bool tagged_response = flexible && api_key != api_versions_key;
        // KIP-368: rather than let the other broker close an expired session
        // under a request, start a new connection (and session) between
        // requests once 85% of the lifetime has passed.
        if (state_ == state::open && session_renewal_ && pending_.empty() &&
            std::chrono::steady_clock::now() >= *session_renewal_) {
            drop_quietly();
        }
        pending_.push_back(pending{correlation, tagged_response, std::move(done),
                                   std::chrono::steady_clock::now() + options_.request_timeout});
        outbox_.push_back(std::move(buf));
        if (state_ == state::idle) return connect();
        if (state_ == state::open) {
            write_next();
            if (pending_.size() == 1) arm_timer();
        }
    }

    void close() override { fail("connection closed"); }
    bool connected() const override { return state_ == state::open; }

private:
    enum class state { idle, connecting, open };
    struct pending {
        int32_t correlation;
        bool tagged_response;
        response_fn done;
        std::chrono::steady_clock::time_point deadline;
    };

    void connect() {
        state_ = state::connecting;
        auto self = shared_from_this();
        uint64_t gen = generation_;
        arm_connect_timer(gen);
        resolver_.async_resolve(options_.host, options_.port, [self, gen](boost::system::error_code ec, tcp::resolver::results_type r) {
            if (gen != self->generation_) return;
            if (ec) return self->fail("cannot resolve " + self->options_.host + ": " + ec.message());
            // A fresh TLS stream (with its own socket) per attempt: handlers
            // of a failed one hold theirs until they have run.
            if (self->options_.tls) self->tls_ = std::make_shared<tls_stream>(self->executor_, *self->options_.tls);
            asio::async_connect(self->sock(), r, [self, gen](boost::system::error_code ec2, const tcp::endpoint&) {
                if (gen != self->generation_) return;
                if (ec2) return self->fail("cannot connect to " + self->where() + ": " + ec2.message());
                boost::system::error_code ignored;
                self->sock().set_option(tcp::no_delay(true), ignored);
                if (self->tls_) return self->handshake(gen);
                self->established();
            });
        });
    }

    // Connected (and TLS handshaken): SASL first when configured.
    void established() {
        if (options_.sasl) return authenticate();
        opened();
    }

    void drop_quietly() {
        ++generation_;
        ++timer_epoch_;
        writing_ = false;
        boost::system::error_code ignored;
        timer_.cancel();
        socket_.close(ignored);
        if (tls_) tls_->next_layer().close(ignored);
        outbox_.clear();
        state_ = state::idle;
        session_renewal_.reset();
    }

    void opened() {
        session_renewal_.reset();
        if (session_lifetime_ms_ > 0) {
            session_renewal_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(session_lifetime_ms_ * 85 / 100);
        }
        state_ = state::open;
        connect_timer_.cancel();
        arm_timer();
        write_next();
        read_size();
    }

    // SASL before anything else: the requests wait in outbox_ meanwhile.
    void authenticate() {
        auto client = std::make_shared<sasl_client>(*options_.sasl);
        protocol::writer body;
        body.write_string(options_.sasl->mechanism, false);
        exchange(sasl_handshake_key, body, [self = shared_from_this(), client](protocol::bytes answer) {
            protocol::reader r(answer);
            int16_t error = r.read_int16();
            if (!r.ok() || error != 0) {
                return self->fail("SASL handshake with " + self->where() + " failed (error " + std::to_string(error) +
                                  ")");
            }
            self->sasl_step(client, client->start());
        });
    }

    void sasl_step(std::shared_ptr<sasl_client> client, sasl_client::next next) {
        if (next.error) return fail("SASL authentication with " + where() + ": " + *next.error);
        if (!next.token) return opened();
        protocol::writer body;
        body.write_bytes(protocol::bytes_view(reinterpret_cast<const uint8_t*>(next.token->data()), next.token->size()),
                         false);
        exchange(sasl_authenticate_key, body, [self = shared_from_this(), client](protocol::bytes answer) {
            protocol::reader r(answer);
            int16_t error = r.read_int16();
            auto message = r.read_nullable_string(false);
            auto token = r.read_bytes(false);
            int64_t lifetime = r.read_int64();  // v1
            if (!r.ok() || error != 0) {
                return self->fail("SASL authentication with " + self->where() + " failed (error " +
                                  std::to_string(error) + "): " + message.value_or(""));
            }
            self->session_lifetime_ms_ = lifetime;
            std::string_view server(reinterpret_cast<const char*>(token.data()), token.size());
            self->sasl_step(client, client->step(server));
        });
    }

    // One v1 (non-flexible) SASL request and its answer, outside the
    // pipeline of ordinary requests.
    void exchange(int16_t api_key, const protocol::writer& body, std::function<void(protocol::bytes)> done) {
        protocol::writer frame;
        frame.write_int32(static_cast<int32_t>(2 + 2 + 4 + 2 + options_.client_id.size() + body.buffer().size()));
        frame.write_int16(api_key);
        frame.write_int16(1);
        int32_t correlation = next_correlation_++;
        frame.write_int32(correlation);
        frame.write_string(options_.client_id, false);
        frame.write_raw(body.buffer());
        auto out = std::make_shared<protocol::bytes>(std::move(frame.buffer()));
        uint64_t gen = generation_;
        auto self = shared_from_this();
        write(asio::buffer(*out), [self, gen, out, correlation, done](boost::system::error_code ec, size_t) {
            if (gen != self->generation_) return;
            if (ec) return self->fail("writing to " + self->where() + ": " + ec.message());
            self->read(asio::buffer(self->size_buf_), [self, gen, correlation, done](boost::system::error_code ec2, size_t) {
                if (gen != self->generation_) return;
                if (ec2) return self->fail("SASL authentication with " + self->where() + ": " + ec2.message());
                uint32_t size = (uint32_t{self->size_buf_[0]} << 24) | (uint32_t{self->size_buf_[1]} << 16) |
                                (uint32_t{self->size_buf_[2]} << 8) | self->size_buf_[3];
                if (size < 4 || size > (1u << 20)) return self->fail("SASL answer of " + std::to_string(size) + " bytes");
                self->frame_.resize(size);
                self->read(asio::buffer(self->frame_), [self, gen, correlation, done](boost::system::error_code ec3, size_t) {
                    if (gen != self->generation_) return;
                    if (ec3) return self->fail("SASL authentication with " + self->where() + ": " + ec3.message());
                    protocol::reader r(protocol::bytes_view(self->frame_.data(), self->frame_.size()));
                    if (r.read_int32() != correlation) return self->fail("SASL answer does not match its request");
                    done(protocol::bytes(self->frame_.begin() + 4, self->frame_.end()));
                });
            });
        });
    }

    using tls_stream = asio::ssl::stream<tcp::socket>;

    tcp::socket& sock() { return tls_ ? tls_->next_layer() : socket_; }

    void handshake(uint64_t gen) {
        auto tls = tls_;
        if (options_.tls_verify_host) {
            tls->set_verify_mode(asio::ssl::verify_peer);
            tls->set_verify_callback(asio::ssl::host_name_verification(options_.host));
        }
        // SNI, as Java's clients send it (not for an IP address).
        boost::system::error_code not_ip;
        asio::ip::make_address(options_.host, not_ip);
        if (not_ip) SSL_set_tlsext_host_name(tls->native_handle(), options_.host.c_str());
        tls->async_handshake(asio::ssl::stream_base::client, [self = shared_from_this(), gen, tls](boost::system::error_code ec) {
            if (gen != self->generation_) return;
            if (ec) return self->fail("TLS handshake with " + self->where() + " failed: " + ec.message());
            self->established();
        });
    }

    template <typename Buffers, typename Handler>
    void write(const Buffers& b, Handler&& h) {
        if (tls_) {
            asio::async_write(*tls_, b, [tls = tls_, h = std::forward<Handler>(h)](boost::system::error_code ec, size_t n) mutable { h(ec, n); });
        } else {
            asio::async_write(socket_, b, std::forward<Handler>(h));
        }
    }

    template <typename Buffers, typename Handler>
    void read(const Buffers& b, Handler&& h) {
        if (tls_) {
            asio::async_read(*tls_, b, [tls = tls_, h = std::forward<Handler>(h)](boost::system::error_code ec, size_t n) mutable { h(ec, n); });
        } else {
            asio::async_read(socket_, b, std::forward<Handler>(h));
        }
    }

    std::string where() const { return options_.host + ":" + options_.port; }

    void arm_connect_timer(uint64_t gen) {
        connect_timer_.expires_after(options_.connect_timeout);
        connect_timer_.async_wait([self = shared_from_this(), gen](boost::system::error_code ec) {
            if (ec || gen != self->generation_ || self->state_ != state::connecting) return;
            self->fail("connecting to " + self->where() + " timed out");
        });
    }

    // One timer, for the oldest request (requests are answered in order).
    // Each arming supersedes the previous one.
    void arm_timer() {
        if (pending_.empty()) return;
        uint64_t epoch = ++timer_epoch_;
        timer_.expires_at(pending_.front().deadline);
        timer_.async_wait([self = shared_from_this(), epoch](boost::system::error_code ec) {
            if (ec || epoch != self->timer_epoch_) return;
            if (!self->pending_.empty() && self->pending_.front().deadline <= std::chrono::steady_clock::now()) {
                return self->fail("request to " + self->where() + " timed out");
            }
            self->arm_timer();
        });
    }

    void write_next() {
        if (writing_ || outbox_.empty() || state_ != state::open) return;
        writing_ = true;
        uint64_t gen = generation_;
        write(asio::buffer(outbox_.front()), [self = shared_from_this(), gen](boost::system::error_code ec, size_t) {
            if (gen != self->generation_) return;
            self->writing_ = false;
            if (ec) return self->fail("writing to " + self->where() + ": " + ec.message());
            self->outbox_.pop_front();
            self->write_next();
        });
    }

    void read_size() {
        uint64_t gen = generation_;
        read(asio::buffer(size_buf_), [self = shared_from_this(), gen](boost::system::error_code ec, size_t) {
            if (gen != self->generation_) return;
            if (ec) return self->fail("reading from " + self->where() + ": " + ec.message());
            uint32_t size = (uint32_t{self->size_buf_[0]} << 24) | (uint32_t{self->size_buf_[1]} << 16) |
                            (uint32_t{self->size_buf_[2]} << 8) | self->size_buf_[3];
            if (size < 4 || size > self->options_.max_response_bytes) {
                return self->fail("response of " + std::to_string(size) + " bytes from " + self->where());
            }
            self->frame_.resize(size);
            self->read_frame();
        });
    }

    void read_frame() {
        uint64_t gen = generation_;
        read(asio::buffer(frame_), [self = shared_from_this(), gen](boost::system::error_code ec, size_t) {
            if (gen != self->generation_) return;
            if (ec) return self->fail("reading from " + self->where() + ": " + ec.message());
            self->deliver();
        });
    }

    void deliver() {
        if (pending_.empty()) return fail("unrequested response from " + where());
        pending front = std::move(pending_.front());
        pending_.pop_front();
        protocol::reader r(protocol::bytes_view(frame_.data(), frame_.size()));
        int32_t correlation = r.read_int32();
        if (front.tagged_response) {
            protocol::unknown_tags ignored;
            r.read_tags(ignored, [](uint32_t, protocol::reader&) { return false; });
        }
        if (!r.ok() || correlation != front.correlation) {
            pending_.push_front(std::move(front));
            return fail("response from " + where() + " does not match its request (correlation id " +
                        std::to_string(correlation) + ")");
        }
        size_t header = frame_.size() - r.remaining();
        kafka_response response;
        response.body.assign(frame_.begin() + static_cast<std::ptrdiff_t>(header), frame_.end());
        auto done = std::move(front.done);
        arm_timer();
        read_size();
        done(std::move(response));
    }

    void fail(const std::string& why) {
        ++generation_;
        state_ = state::idle;
        writing_ = false;
        ++timer_epoch_;
        boost::system::error_code ignored;
        resolver_.cancel();
        timer_.cancel();
        connect_timer_.cancel();
        socket_.close(ignored);
        if (tls_) tls_->next_layer().close(ignored);
        outbox_.clear();
        auto failed = std::move(pending_);
        pending_.clear();
        for (auto& p : failed) p.done(kafka_response{why, {}});
    }

    asio::any_io_executor executor_;
    tcp::resolver resolver_;
    tcp::socket socket_;               // plaintext
    std::shared_ptr<tls_stream> tls_;  // TLS: this attempt's stream and socket
    asio::steady_timer timer_;
    asio::steady_timer connect_timer_;
    options options_;
    state state_ = state::idle;
    uint64_t generation_ = 0;  // bumped on failure: stale completions are ignored
    uint64_t timer_epoch_ = 0;
    bool writing_ = false;
    int32_t next_correlation_ = 1;
    int64_t session_lifetime_ms_ = 0;  // from the last SaslAuthenticate; 0 = no expiry
    std::optional<std::chrono::steady_clock::time_point> session_renewal_;
    std::deque<protocol::bytes> outbox_;
    std::deque<pending> pending_;
    std::array<uint8_t, 4> size_buf_{};
    protocol::bytes frame_;
};

}  // namespace

std::shared_ptr<kafka_connection> kafka_connection::create(asio::any_io_executor executor, options opts) {
    return std::make_shared<connection>(std::move(executor), std::move(opts));
}

}  // namespace sluice::replication

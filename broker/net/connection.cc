#include "broker/net/connection.h"

#include <spdlog/spdlog.h>
#include <openssl/ssl.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "broker/broker.h"
#include "broker/handlers/handlers.h"
#include "broker/metrics/record.h"
#include "broker/sasl/authenticator.h"
#include "broker/sasl/scram_credentials.h"
#include "broker/net/page_cache_warmer.h"
#include "broker/net/page_residency.h"
#include "broker/net/request_header.h"
#include "broker/net/x500_name.h"
#include "broker/quotas/request_timer.h"
#include "broker/quotas/throttle_field.h"

namespace sluice::broker {

namespace asio = boost::asio;

namespace {

byte_stream make_stream(asio::ip::tcp::socket socket, const std::shared_ptr<tls_context>& tls) {
    if (tls) return byte_stream(std::move(socket), tls->ssl);
    return byte_stream(std::move(socket));
}

}  // namespace

connection::connection(asio::ip::tcp::socket socket, const listener& from, broker& owner,
                       connection_registry& registry, page_cache_warmer& warmer, size_t max_request_bytes,
                       std::shared_ptr<tls_context> tls, std::chrono::milliseconds handshake_timeout)
    : stream_(make_stream(std::move(socket), tls)),
      tls_(std::move(tls)),
      handshake_timeout_(handshake_timeout),
      broker_(owner),
      registry_(registry),
      warmer_(warmer),
      max_request_bytes_(max_request_bytes),
      mute_timer_(stream_.socket().get_executor()) {
    boost::system::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) peer_ = ep.address().to_string() + ":" + std::to_string(ep.port());
    session s;
    s.listener = from.name;
    s.security_protocol = from.security_protocol;
    if (!ec) s.client_host = ep.address().to_string();
    session_ = std::make_shared<const session>(std::move(s));
    last_active_ms_ = steady_now_ms();
    stream_.socket().set_option(asio::ip::tcp::no_delay(true), ec);
    const sasl_config& sasl_settings = owner.config().sasl;
    if (const listener_sasl* mechanisms = sasl_settings.find(from.name)) {
        sasl_ = std::make_unique<sasl::authenticator>(
            *mechanisms, sasl_settings.connections_max_reauth_ms,
            [&owner](const std::string& user, sasl::scram_mechanism m) {
                return sasl::find_scram_credential(owner.metadata(), user, m);
            });
        pre_auth_max_bytes_ = static_cast<size_t>(sasl_settings.max_receive_size);
    }
}

connection::~connection() = default;

int64_t steady_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

bool connection::expired(int64_t now_ms, int64_t idle_ms, int64_t read_timeout_ms) const {
    if (closed_) return false;
    if (frame_started_ms_ >= 0 && now_ms - frame_started_ms_ >= read_timeout_ms) {
        spdlog::info("closing {}: a request started {} ms ago is still incomplete", peer_, now_ms - frame_started_ms_);
        return true;
    }
    if (answering_ || writing_ || !out_.empty() || frame_started_ms_ >= 0) return false;
    if (now_ms - last_active_ms_ >= idle_ms) {
        spdlog::info("closing {}: idle for {} ms (connections.max.idle.ms)", peer_, now_ms - last_active_ms_);
        return true;
    }
    return false;
}

void connection::start() {
    if (stream_.is_tls()) {
        handshake(handshake_timeout_);
        return;
    }
    read_size();
}

// A client that connects and never finishes its handshake would hold a
// descriptor for ever: the timer closes it. The timer holds no reference,
// so it never keeps a finished connection alive.
void connection::handshake(std::chrono::milliseconds timeout) {
    handshake_timer_ = std::make_unique<asio::steady_timer>(stream_.socket().get_executor(), timeout);
    handshake_timer_->async_wait([weak = weak_from_this()](boost::system::error_code ec) {
        auto self = weak.lock();
        if (ec || !self) return;
        spdlog::info("closing {}: no TLS handshake within {} ms", self->peer_, self->handshake_timeout_.count());
        self->close();
    });
    stream_.tls()->async_handshake(asio::ssl::stream_base::server,
                                   [self = shared_from_this()](boost::system::error_code ec) {
                                       self->handshake_timer_->cancel();
                                       if (self->closed_) return;
                                       if (ec) {
                                           // Kafka logs failed TLS authentication at INFO and,
                                           // as for SASL, closes only after
                                           // connection.failed.authentication.delay.ms (the
                                           // alert has gone out already).
                                           spdlog::info("closing {}: TLS handshake failed: {}", self->peer_,
                                                        ec.message());
                                           self->after_failed_auth_delay([self] { self->close(); });
                                           return;
                                       }
                                       self->handshaken();
                                   });
}

// With a verified client certificate the principal is its subject, mapped by
// ssl.principal.mapping.rules (Kafka's DefaultKafkaPrincipalBuilder);
// without one it stays User:ANONYMOUS.
void connection::handshaken() {
    if (tls_->wants_client_certificate) {
        if (X509* cert = SSL_get0_peer_certificate(stream_.tls()->native_handle())) {
            std::string dn = rfc2253_name(X509_get_subject_name(cert));
            auto name = tls_->principals.name_of(dn);
            if (!name) {
                spdlog::info("closing {}: no ssl.principal.mapping.rules rule applies to {}", peer_, dn);
                close();
                return;
            }
            session s = *session_;
            s.principal = "User:" + *name;
            session_ = std::make_shared<const session>(std::move(s));
        }
    }
    spdlog::debug("{}: TLS {} {}, principal {}", peer_, SSL_get_version(stream_.tls()->native_handle()),
                  SSL_get_cipher_name(stream_.tls()->native_handle()), session_->principal);
    read_size();
}

void connection::close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ec;
    if (handshake_timer_) handshake_timer_->cancel();
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
    out_.clear();
    mute_timer_.cancel();
    registry_.remove(this);
}

void connection::read_size() {
    if (closed_ || close_after_write_) return;
    // Buffered frames are handled by nested calls (read_size -> handler ->
    // finish_request -> read_size); past a few, go on from the executor so a
    // burst of tiny requests cannot grow the stack.
    if (nested_reads_ >= max_nested_reads) {
        asio::post(stream_.socket().get_executor(), [self = shared_from_this()] { self->read_size(); });
        return;
    }
    ++nested_reads_;
    struct unnest {
        int& depth;
        ~unnest() { --depth; }
    } guard{nested_reads_};
    size_t buffered = in_end_ - in_begin_;
    if (buffered > 0 && frame_started_ms_ < 0) frame_started_ms_ = steady_now_ms();
    if (buffered < 4) {
        fill_input();
        return;
    }
    const uint8_t* p = in_.get() + in_begin_;
    uint32_t size = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
    // A negative size, one too small for a header, or one over
    // socket.request.max.bytes (sasl.server.max.receive.size before SASL
    // authentication): close before allocating anything. Bare SASL tokens
    // have no header.
    size_t max_bytes = max_request_bytes_;
    uint32_t min_bytes = 8;
    if (sasl_ && !sasl_->authenticated_once()) {
        max_bytes = pre_auth_max_bytes_;
        if (sasl_->expects_raw_token()) min_bytes = 0;
    }
    if (size > static_cast<uint32_t>(INT32_MAX) || size < min_bytes || size > max_bytes) {
        spdlog::warn("closing {}: invalid request size {}", peer_, static_cast<int32_t>(size));
        close();
        return;
    }
    in_begin_ += 4;
    start_frame(size);
}

// Reads whatever the socket has (up to the buffer's free space) and goes
// back to read_size(); a partial size prefix moves to the buffer's start.
void connection::fill_input() {
    if (in_begin_ > 0) {
        std::memmove(in_.get(), in_.get() + in_begin_, in_end_ - in_begin_);
        in_end_ -= in_begin_;
        in_begin_ = 0;
    }
    stream_.async_read_some(asio::buffer(in_.get() + in_end_, input_buffer_bytes - in_end_),
                            [self = shared_from_this()](boost::system::error_code ec, size_t n) {
                                if (ec) {
                                    self->close();
                                    return;
                                }
                                self->in_end_ += n;
                                self->last_active_ms_ = steady_now_ms();
                                self->read_size();
                            });
}

void connection::start_frame(uint32_t size) {
    frame_size_ = size;
    size_t have = std::min<size_t>(size, in_end_ - in_begin_);
    if (have == size && size >= adopt_frame_bytes) {
        // The request is all in the input buffer: it becomes the frame as it
        // is (a produce request was copied whole here), and reading goes on
        // in a new buffer that starts with whatever followed the request.
        frame_ = std::shared_ptr<uint8_t[]>(in_, in_.get() + in_begin_);
        auto next = std::make_shared_for_overwrite<uint8_t[]>(input_buffer_bytes);
        size_t rest = in_end_ - in_begin_ - size;
        if (rest > 0) std::memcpy(next.get(), in_.get() + in_begin_ + size, rest);
        in_ = std::move(next);
        in_begin_ = 0;
        in_end_ = rest;
        handle_frame();
        return;
    }
    // Not zero-filled: every byte is overwritten by the read (a memset of
    // each produce request showed in profiles).
    frame_ = std::make_shared_for_overwrite<uint8_t[]>(size);
    std::memcpy(frame_.get(), in_.get() + in_begin_, have);
    in_begin_ += have;
    if (in_begin_ == in_end_) in_begin_ = in_end_ = 0;
    if (have == size) {
        handle_frame();
        return;
    }
    read_rest_of_frame(have);
}

// The rest of a frame bigger than what was buffered goes straight into the
// frame, so a large produce request is not copied twice.
void connection::read_rest_of_frame(size_t have) {
    stream_.async_read(asio::buffer(frame_.get() + have, frame_size_ - have),
                     [self = shared_from_this()](boost::system::error_code ec, size_t) {
                         if (ec) {
                             self->close();
                             return;
                         }
                         self->last_active_ms_ = steady_now_ms();
                         self->handle_frame();
                     });
}

void connection::handle_frame() {
    frame_started_ms_ = -1;
    if (sasl_ && sasl_->expects_raw_token()) {
        handle_raw_sasl_token();
        return;
    }
    auto frame = frame_;
    request req;
    req.peer = peer_;
    req.origin = session_;
    throttle_ms_ = 0;
    req.throttle_ms = &throttle_ms_;
    request_started_ = std::chrono::steady_clock::now();
    switch (parse_request_header(std::span<uint8_t>(frame.get(), frame_size_), req)) {
        case header_status::ok:
            break;
        case header_status::unsupported_version:
            if (req.api_key == api_versions_api_key) {
                finish_request(req, api_versions_unsupported_body());
                return;
            }
            spdlog::warn("closing {}: unsupported version {} of api {}", peer_, req.api_version, req.api_key);
            close();
            return;
        case header_status::unknown_api:
            spdlog::warn("closing {}: unknown api key {}", peer_, req.api_key);
            close();
            return;
        case header_status::malformed:
            spdlog::warn("closing {}: malformed request header", peer_);
            close();
            return;
    }

    if (sasl_) {
        if (!sasl_->admits(req.api_key, std::chrono::steady_clock::now())) {
            if (sasl_->authenticated_once()) {
                spdlog::info("closing {}: api {} after its SASL session expired", peer_, req.api_key);
            } else {
                spdlog::info("closing {}: api {} before SASL authentication", peer_, req.api_key);
            }
            close();
            return;
        }
        req.sasl = sasl_.get();
    }
    answering_ = true;
    const quotas::request_timer timer;  // request_percentage
    handler_result result = find_handler(req.api_key)->handle(broker_, req);
    throttle(req, timer.charge(broker_.quotas(), req.origin->principal, req.client_id, now_ms()));
    bool auth_failed = false;
    if (sasl_) {
        adopt_sasl_principal();
        if (sasl_->must_close()) {
            spdlog::info("closing {} after a failed SASL exchange (api {})", peer_, req.api_key);
            close_after_write_ = true;
            auth_failed = true;
        }
    }
    if (result.deferred) {
        // Holding the connection (and the frame) until the answer arrives is
        // what keeps it open meanwhile; a closed one just drops the answer.
        result.deferred([self = shared_from_this(), req, frame](protocol::writer body) {
            self->finish_request(req, std::move(body));
        });
        return;
    }
    switch (result.what) {
        case handler_result::action::respond:
            if (auth_failed) {
                auto body = std::make_shared<protocol::writer>(std::move(result.body));
                after_failed_auth_delay([this, req, body] { finish_request(req, std::move(*body)); });
                return;
            }
            finish_request(req, std::move(result.body));
            return;
        case handler_result::action::no_response:
            metrics::record_request(broker_, req.api_key, request_started_, throttle_ms_);
            answering_ = false;
            read_next();
            return;
        case handler_result::action::close:
            spdlog::warn("closing {}: malformed {} v{} request", peer_, req.api_key, req.api_version);
            close();
            return;
    }
}

// After a v0 SaslHandshake (kafka-python) tokens come as bare
// size-prefixed frames and are answered the same way; a failure can only
// be told by closing.
void connection::handle_raw_sasl_token() {
    std::string_view token(reinterpret_cast<const char*>(frame_.get()), frame_size_);
    auto answer = sasl_->authenticate(token, std::chrono::steady_clock::now());
    if (answer.error != protocol::error_code::none) {
        spdlog::info("closing {}: SASL authentication failed: {}", peer_, answer.message.value_or(""));
        after_failed_auth_delay([this] { close(); });
        return;
    }
    adopt_sasl_principal();
    protocol::writer head;
    head.write_int32(static_cast<int32_t>(answer.token.size()));
    protocol::writer body;
    body.write_raw(protocol::bytes_view(reinterpret_cast<const uint8_t*>(answer.token.data()), answer.token.size()));
    queue_response(std::move(head.buffer()), std::move(body));
    read_size();
}

// A new principal means a new session: requests already in flight keep the
// one they started with.
void connection::adopt_sasl_principal() {
    if (auto principal = sasl_->take_new_principal()) {
        session s = *session_;
        s.principal = std::move(*principal);
        spdlog::debug("{}: SASL authenticated on {}, principal {}", peer_, s.listener, s.principal);
        session_ = std::make_shared<const session>(std::move(s));
    }
}

// Kafka delays both the failure's answer and the close.
void connection::after_failed_auth_delay(std::function<void()> then) {
    const int64_t delay = broker_.config().sasl.failed_authentication_delay_ms;
    if (delay <= 0) return then();
    mute_timer_.expires_after(std::chrono::milliseconds(delay));
    mute_timer_.async_wait([self = shared_from_this(), then = std::move(then)](boost::system::error_code ec) {
        if (!ec && !self->closed_) then();
    });
}

void connection::finish_request(const request& req, protocol::writer body) {
    if (closed_) return;
    answering_ = false;
    metrics::record_request(broker_, req.api_key, request_started_, throttle_ms_);
    quotas::raise_throttle_time(req.api_key, req.api_version, body, throttle_ms_);
    protocol::bytes head;
    write_response_header(head, req, body.size());
    queue_response(std::move(head), std::move(body));
    // A client that pipelines requests but does not read its answers would
    // make the queue grow without bound: stop reading until it drains.
    if (out_.size() > max_queued_responses) {
        read_paused_ = true;
        return;
    }
    read_next();
}

void connection::read_next() {
    if (throttle_ms_ <= 0) return read_size();
    // KIP-219: the answer (with its throttle time) goes out now; the client
    // is not read from until the throttle has passed.
    mute_timer_.expires_after(std::chrono::milliseconds(throttle_ms_));
    throttle_ms_ = 0;
    mute_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (!ec) self->read_size();
    });
}

void connection::queue_response(protocol::bytes head, protocol::writer body) {
    out_.push_back(outgoing{std::move(head), std::move(body)});
    warm_if_cold(out_.back());
    if (!writing_) write_next();
}

// Asked when the response is queued rather than when its slice comes up, so
// the disk works while the responses ahead of it are still being sent, and
// one job reads all of its cold slices together.
void connection::warm_if_cold(outgoing& out) {
    std::vector<protocol::file_slice> cold;
    for (const auto& placed : out.body.file_slices()) {
        const protocol::file_slice& s = placed.slice;
        if (page_residency(s.fd, s.offset, s.length) == residency::missing) cold.push_back(s);
    }
    if (cold.empty()) return;
    out.warming = next_warm_ticket_++;
    warmer_.warm(std::move(cold), stream_.socket().get_executor(),
                 [self = shared_from_this(), ticket = out.warming] { self->warmed(ticket); });
}

void connection::warmed(uint64_t ticket) {
    if (closed_) return;
    for (outgoing& out : out_) {
        if (out.warming == ticket) out.warming = 0;
    }
    if (waiting_for_warmer_) {
        waiting_for_warmer_ = false;
        write_next();
    }
}

// Sends the queued responses in order. Memory pieces (part 0 is the head,
// part 2k+1 is memory run k of the body) are gathered into one send, across
// responses, up to the next file slice (part 2k+2), which goes by sendfile.
void connection::write_next() {
    if (closed_) return;
    if (read_paused_ && out_.size() <= max_queued_responses / 2) {
        read_paused_ = false;
        asio::post(stream_.socket().get_executor(), [self = shared_from_this()] { self->read_size(); });
    }
    writing_ = !out_.empty();
    last_active_ms_ = steady_now_ms();
    if (!writing_) {
        if (close_after_write_) close();
        return;
    }
    if (stream_.is_tls()) {
        write_tls_chunk();
        return;
    }
    gathered_.clear();
    gathered_responses_ = 0;
    for (outgoing& out : out_) {
        if (!gather(out)) break;
        ++gathered_responses_;
    }
    if (gathered_.empty() && gathered_responses_ > 0) {
        // Finished by a file slice with nothing after it.
        for (size_t i = 0; i < gathered_responses_; ++i) out_.pop_front();
        write_next();
        return;
    }
    if (gathered_.empty()) {
        // The front response is at a file slice.
        outgoing& out = out_.front();
        if (out.warming != 0) {
            waiting_for_warmer_ = true;  // warmed() goes on
            return;
        }
        if (!write_file_slice(out, out.body.file_slices()[(out.part - 2) / 2].slice)) return;  // resumes itself
        write_next();
        return;
    }
    asio::async_write(stream_.socket(), gathered_, [self = shared_from_this()](boost::system::error_code ec, size_t) {
        // A close() after the send finished but before this ran has already
        // cleared the queue.
        if (self->closed_) return;
        if (ec) {
            self->close();
            return;
        }
        for (size_t i = 0; i < self->gathered_responses_; ++i) self->out_.pop_front();
        self->write_next();
    });
}

// Adds `out`'s memory pieces from its current part on to gathered_; true if
// that finishes the response, false if it stopped at a file slice.
bool connection::gather(outgoing& out) {
    size_t last_part = 2 * out.body.file_slices().size() + 1;
    for (; out.part <= last_part; ++out.part) {
        if (out.part > 0 && out.part % 2 == 0) return false;
        asio::const_buffer piece = memory_piece(out, out.part);
        if (piece.size() > 0) gathered_.push_back(piece);
    }
    return true;
}

// Part 0 is the head, part 2k+1 memory run k of the body (never a slice).
asio::const_buffer connection::memory_piece(const outgoing& out, size_t part) {
    if (part == 0) return asio::buffer(out.head);
    const auto& slices = out.body.file_slices();
    const auto& buf = out.body.buffer();
    size_t k = (part - 1) / 2;
    size_t from = k == 0 ? 0 : slices[k - 1].position;
    size_t to = k < slices.size() ? slices[k].position : buf.size();
    return asio::buffer(buf.data() + from, to - from);
}

// TLS: copies what comes next in the queue (memory pieces, and file slices
// read with pread) into one bounded buffer and writes that through the
// stream. A response fully copied leaves the queue at once: its bytes are
// in the buffer. Stops short at a slice still being warmed.
void connection::write_tls_chunk() {
    if (!tls_out_) tls_out_ = std::make_unique_for_overwrite<uint8_t[]>(tls_chunk_bytes);
    size_t filled = 0;
    while (!out_.empty() && filled < tls_chunk_bytes) {
        outgoing& out = out_.front();
        size_t last_part = 2 * out.body.file_slices().size() + 1;
        if (out.part > last_part) {
            out_.pop_front();
            continue;
        }
        if (out.part > 0 && out.part % 2 == 0) {
            if (out.warming != 0) {
                if (filled > 0) break;
                waiting_for_warmer_ = true;  // warmed() goes on
                return;
            }
            if (!copy_slice_part(out, out.body.file_slices()[(out.part - 2) / 2].slice, filled)) return;
            continue;
        }
        asio::const_buffer piece = memory_piece(out, out.part);
        size_t n = std::min(piece.size() - out.sent_in_part, tls_chunk_bytes - filled);
        // An empty piece (an empty SASL token's body) has no data pointer.
        if (n > 0) std::memcpy(tls_out_.get() + filled, static_cast<const uint8_t*>(piece.data()) + out.sent_in_part, n);
        filled += n;
        out.sent_in_part += n;
        if (out.sent_in_part == piece.size()) {
            out.sent_in_part = 0;
            ++out.part;
        }
    }
    if (filled == 0) {
        write_next();
        return;
    }
    stream_.async_write(asio::buffer(tls_out_.get(), filled),
                        [self = shared_from_this()](boost::system::error_code ec, size_t) {
                            if (self->closed_) return;
                            if (ec) {
                                self->close();
                                return;
                            }
                            self->write_next();
                        });
}

// Reads as much of the slice as fits after `filled`; false if the file is
// shorter than the slice (then the connection is closed, as with sendfile).
bool connection::copy_slice_part(outgoing& out, const protocol::file_slice& slice, size_t& filled) {
    while (out.sent_in_part < slice.length && filled < tls_chunk_bytes) {
        size_t want = std::min<size_t>(slice.length - out.sent_in_part, tls_chunk_bytes - filled);
        ssize_t n = ::pread(slice.fd, tls_out_.get() + filled, want,
                            static_cast<off_t>(slice.offset + out.sent_in_part));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            spdlog::warn("closing {}: pread failed (returned {}): {}", peer_, n,
                         n < 0 ? std::strerror(errno) : "file shorter than the slice");
            close();
            return false;
        }
        filled += static_cast<size_t>(n);
        out.sent_in_part += static_cast<size_t>(n);
    }
    if (out.sent_in_part == slice.length) {
        out.sent_in_part = 0;
        ++out.part;
    }
    return true;
}

// Returns true when the slice is fully sent (part advanced); false when the
// socket is full and a wait was scheduled, this connection's turn is used up
// and the rest was posted behind the other ready work, or the connection was
// closed.
bool connection::write_file_slice(outgoing& out, const protocol::file_slice& slice) {
    auto& socket = stream_.socket();
    int sock = socket.native_handle();
    if (!socket.native_non_blocking()) {
        boost::system::error_code ec;
        socket.native_non_blocking(true, ec);
    }
    size_t sent_this_turn = 0;
    while (out.sent_in_part < slice.length) {
        if (sent_this_turn >= sendfile_turn_bytes) {
            asio::post(socket.get_executor(), [self = shared_from_this()] { self->write_next(); });
            return false;
        }
        off_t offset = static_cast<off_t>(slice.offset + out.sent_in_part);
        size_t want = std::min(slice.length - out.sent_in_part, sendfile_turn_bytes);
        ssize_t n = ::sendfile(sock, slice.fd, &offset, want);
        if (n > 0) {
            out.sent_in_part += static_cast<size_t>(n);
            sent_this_turn += static_cast<size_t>(n);
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (errno == EINTR) continue;
            socket.async_wait(asio::ip::tcp::socket::wait_write,
                               [self = shared_from_this()](boost::system::error_code ec) {
                                   if (ec) {
                                       self->close();
                                       return;
                                   }
                                   self->write_next();
                               });
            return false;
        }
        // The file shrank under us (truncation) or the socket failed: the
        // response can no longer be completed as framed, so drop the client.
        spdlog::warn("closing {}: sendfile failed (returned {}): {}", peer_, n, n < 0 ? std::strerror(errno) : "file shorter than the slice");
        close();
        return false;
    }
    out.sent_in_part = 0;
    ++out.part;
    return true;
}

}  // namespace sluice::broker

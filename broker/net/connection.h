#pragma once
// One client connection: reads size-prefixed Kafka frames, hands each request
// to its handler, and writes responses in request order.
//
// Requests on one connection are handled one at a time, as Kafka does: the
// next frame is read only once the current request has its answer (the
// answer may still be queued for writing). That keeps responses ordered and
// bounds the memory a client can make us hold to one frame, plus a bounded
// queue of answers: past it, reading waits until the client reads.
// Responses carrying file slices are sent with sendfile, never copied
// through user space. A response whose slices are not all in the page cache
// would make sendfile read the disk on the I/O thread, stalling every
// connection: it waits in the queue (behind it, its successors) until the
// page_cache_warmer has read them in.
//
// Over TLS (SSL and SASL_SSL listeners) the handshake comes first, within
// sluice.ssl.handshake.timeout.ms; its client certificate, if any, gives the
// session's principal. Then the same frames flow through the TLS stream.
// File slices cannot go by sendfile there: they are read (pread) into one
// bounded buffer, with the memory pieces around them, and written through
// the stream a chunk at a time, so a large fetch answer is never all in
// memory.
//
// Syscalls per request are what small-request latency is made of: reads go
// through a small buffer, so one recv usually brings the size prefix and the
// whole request (large frames are read straight into their own buffer after
// the part already buffered); a response's header and memory runs, and any
// responses queued behind it, leave in one gathered send.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "broker/config/listener.h"
#include "broker/handlers/handler.h"
#include "broker/net/byte_stream.h"
#include "broker/net/connection_registry.h"
#include "broker/net/tls_context.h"
#include "protocol/wire.h"

namespace sluice::broker {

class page_cache_warmer;
namespace sasl {
class authenticator;
}

class connection : public std::enable_shared_from_this<connection> {
public:
    // `tls` is null for PLAINTEXT and SASL_PLAINTEXT listeners.
    connection(boost::asio::ip::tcp::socket socket, const listener& from, broker& owner,
               connection_registry& registry, page_cache_warmer& warmer, size_t max_request_bytes,
               std::shared_ptr<tls_context> tls = nullptr,
               std::chrono::milliseconds handshake_timeout = std::chrono::seconds(10));
    ~connection();
    void start();
    void close();
    // Whether connections.max.idle.ms or sluice.request.read.timeout.ms has
    // run out at `now_ms` (steady clock; connection_limits.h).
    bool expired(int64_t now_ms, int64_t idle_ms, int64_t read_timeout_ms) const;

private:
    struct outgoing {
        protocol::bytes head;    // size + response header
        protocol::writer body;
        size_t part = 0;         // next piece of the body to send
        size_t sent_in_part = 0;
        uint64_t warming = 0;    // while non-zero, its slices are being read into the page cache
    };

    void handshake(std::chrono::milliseconds timeout);
    void handshaken();
    void read_size();
    void fill_input();
    void start_frame(uint32_t size);
    void read_rest_of_frame(size_t have);
    void handle_frame();
    void handle_raw_sasl_token();
    void adopt_sasl_principal();
    void finish_request(const request& req, protocol::writer body);
    // Reads the next request, after the quota throttle of the last one.
    void read_next();
    void queue_response(protocol::bytes head, protocol::writer body);
    void warm_if_cold(outgoing& out);
    void warmed(uint64_t ticket);
    void write_next();
    bool gather(outgoing& out);
    bool write_file_slice(outgoing& out, const protocol::file_slice& slice);
    void write_tls_chunk();
    bool copy_slice_part(outgoing& out, const protocol::file_slice& slice, size_t& filled);
    static boost::asio::const_buffer memory_piece(const outgoing& out, size_t part);

    byte_stream stream_;
    std::shared_ptr<tls_context> tls_;
    std::chrono::milliseconds handshake_timeout_;
    std::unique_ptr<boost::asio::steady_timer> handshake_timer_;
    // Over TLS, the plaintext of the write in flight (allocated on first use).
    static constexpr size_t tls_chunk_bytes = 64 * 1024;
    // Bytes one connection may sendfile before the I/O thread turns to the
    // others: a large fetch of several MiB would otherwise hold every other
    // connection's requests for milliseconds.
    static constexpr size_t sendfile_turn_bytes = 256 * 1024;
    std::unique_ptr<uint8_t[]> tls_out_;
    broker& broker_;
    connection_registry& registry_;
    page_cache_warmer& warmer_;
    size_t max_request_bytes_;
    std::string peer_;
    std::shared_ptr<const session> session_;
    int32_t throttle_ms_ = 0;  // the current request's quota throttle (request::throttle_ms)
    boost::asio::steady_timer mute_timer_;
    // SASL_* listeners only: the exchange that gates requests
    // (broker/sasl/authenticator.h). Until it succeeds, frames are capped
    // at sasl.server.max.receive.size; a failure closes once the answer is
    // written.
    std::unique_ptr<sasl::authenticator> sasl_;
    size_t pre_auth_max_bytes_ = 0;
    bool close_after_write_ = false;
    // After a failed authentication: `then` (the answer, or the close) once
    // connection.failed.authentication.delay.ms has passed.
    void after_failed_auth_delay(std::function<void()> then);
    // Bytes received but not yet consumed: in_[in_begin_, in_end_).
    static constexpr size_t input_buffer_bytes = 16 * 1024;
    // Shared so that a large request wholly in it can become the frame
    // without a copy (start_frame), the connection reading on into a new one.
    std::shared_ptr<uint8_t[]> in_ = std::make_shared_for_overwrite<uint8_t[]>(input_buffer_bytes);
    // Requests at least this big that arrived whole take the buffer over;
    // smaller ones are copied (cheaper than a new buffer).
    static constexpr size_t adopt_frame_bytes = 4 * 1024;
    size_t in_begin_ = 0;
    size_t in_end_ = 0;
    static constexpr size_t max_queued_responses = 64;
    bool read_paused_ = false;
    static constexpr int max_nested_reads = 8;
    int nested_reads_ = 0;
    std::shared_ptr<uint8_t[]> frame_;
    size_t frame_size_ = 0;
    std::deque<outgoing> out_;
    std::vector<boost::asio::const_buffer> gathered_;  // the send in flight
    size_t gathered_responses_ = 0;                    // front responses it completes
    bool writing_ = false;
    bool waiting_for_warmer_ = false;  // the front response is at a slice still being warmed
    uint64_t next_warm_ticket_ = 1;
    bool closed_ = false;
    // For connection_registry::sweep, steady-clock ms.
    int64_t last_active_ms_ = 0;     // bytes last read or written
    int64_t frame_started_ms_ = -1;  // the first bytes of a request still incomplete; -1: none
    bool answering_ = false;         // a request is being handled
    std::chrono::steady_clock::time_point request_started_;  // its frame complete (request metrics)
};

// Milliseconds on the steady clock, for idle and read timeouts.
int64_t steady_now_ms();

}  // namespace sluice::broker

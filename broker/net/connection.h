#pragma once
// One client connection: reads size-prefixed Kafka frames, hands each request
// to its handler, and writes responses in request order.
//
// Requests on one connection are handled one at a time, as Kafka does: the
// next frame is read only once the current request has its answer (the
// answer may still be queued for writing). That keeps responses ordered and
// bounds the memory a client can make us hold to one frame.
// Responses carrying file slices are sent with sendfile, never copied
// through user space.
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <deque>
#include <memory>

#include "broker/handlers/handler.h"
#include "protocol/wire.h"

namespace sluice::broker {

class connection_registry;

class connection : public std::enable_shared_from_this<connection> {
public:
    connection(boost::asio::ip::tcp::socket socket, broker& owner, connection_registry& registry,
               size_t max_request_bytes);
    void start();
    void close();

private:
    struct outgoing {
        protocol::bytes head;    // size + response header
        protocol::writer body;
        size_t part = 0;         // next piece of the body to send
        size_t sent_in_part = 0;
    };

    void read_size();
    void read_body(uint32_t size);
    void handle_frame();
    void finish_request(const request& req, protocol::writer body);
    void queue_response(protocol::bytes head, protocol::writer body);
    void write_next();
    bool write_file_slice(outgoing& out, const protocol::file_slice& slice);

    boost::asio::ip::tcp::socket socket_;
    broker& broker_;
    connection_registry& registry_;
    size_t max_request_bytes_;
    std::string peer_;
    uint8_t size_buf_[4];
    std::shared_ptr<protocol::bytes> frame_;
    std::deque<outgoing> out_;
    bool writing_ = false;
    bool closed_ = false;
};

// Tracks live connections so shutdown can close them.
class connection_registry {
public:
    void add(const std::shared_ptr<connection>& c) { live_.push_back(c); }
    void remove(connection* c);
    void close_all();

private:
    std::vector<std::weak_ptr<connection>> live_;
};

}  // namespace sluice::broker

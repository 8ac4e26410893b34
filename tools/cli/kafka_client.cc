#include "tools/cli/kafka_client.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "protocol/generated/api_registry.h"
#include "protocol/generated/api_versions.h"
#include "protocol/generated/request_header.h"
#include "protocol/generated/response_header.h"
#include "tools/cli/broker_error.h"

namespace sluice::tools {

namespace {

constexpr std::string_view client_id = "sluice-cli";
// Larger answers than this are not something an admin command asks for; a
// bigger size prefix means we are not talking to a Kafka broker.
constexpr int32_t max_response_size = 256 << 20;

std::string api_name(int16_t key) {
    const auto* api = protocol::find_api(key);
    return api ? std::string(api->name) : "api " + std::to_string(key);
}

std::pair<std::string, std::string> split_host_port(std::string_view address) {
    std::string_view host;
    std::string_view port;
    if (address.starts_with('[')) {
        auto close = address.find(']');
        if (close == std::string_view::npos || close + 1 >= address.size() || address[close + 1] != ':') {
            throw usage_error("bad bootstrap address '" + std::string(address) + "' (expected [HOST]:PORT)");
        }
        host = address.substr(1, close - 1);
        port = address.substr(close + 2);
    } else {
        auto colon = address.rfind(':');
        if (colon == std::string_view::npos) {
            throw usage_error("bad bootstrap address '" + std::string(address) + "' (expected HOST:PORT)");
        }
        host = address.substr(0, colon);
        port = address.substr(colon + 1);
    }
    if (host.empty() || port.empty() || port.find_first_not_of("0123456789") != std::string_view::npos) {
        throw usage_error("bad bootstrap address '" + std::string(address) + "' (expected HOST:PORT)");
    }
    return {std::string(host), std::string(port)};
}

// Non-blocking connect bounded by `timeout`; returns the connected fd or -1
// with `error` set.
int connect_with_timeout(const addrinfo* ai, std::chrono::milliseconds timeout, std::string& error) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) {
        error = std::strerror(errno);
        return -1;
    }
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc < 0 && errno == EINPROGRESS) {
        pollfd p{fd, POLLOUT, 0};
        rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
        if (rc == 0) {
            error = "connection timed out";
            ::close(fd);
            return -1;
        }
        int so_error = 0;
        socklen_t len = sizeof so_error;
        if (rc < 0 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) < 0 || so_error != 0) {
            error = std::strerror(rc < 0 ? errno : so_error);
            ::close(fd);
            return -1;
        }
    } else if (rc < 0) {
        error = std::strerror(errno);
        ::close(fd);
        return -1;
    }
    // Back to blocking; reads and writes are bounded with poll() instead.
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

}  // namespace

std::string default_bootstrap() {
    const char* env = std::getenv("SLUICE_BOOTSTRAP");
    return env != nullptr && *env != '\0' ? std::string(env) : std::string("localhost:9092");
}

kafka_client::kafka_client(std::string_view bootstrap, std::chrono::milliseconds timeout)
    : address_(bootstrap), timeout_(timeout) {
    // A list "h1:p1,h2:p2" as Kafka's --bootstrap-server: the first that answers.
    std::string last_error;
    size_t start = 0;
    while (fd_ < 0 && start <= bootstrap.size()) {
        size_t comma = std::min(bootstrap.find(',', start), bootstrap.size());
        std::string_view one = bootstrap.substr(start, comma - start);
        start = comma + 1;
        if (one.empty()) continue;
        address_ = std::string(one);
        try {
            connect_to(one);
        } catch (const usage_error&) {
            throw;
        } catch (const cli_error& e) {
            last_error = e.what();
        }
    }
    if (fd_ < 0) {
        if (last_error.empty()) throw usage_error("empty bootstrap server list");
        throw cli_error(last_error);
    }
}

void kafka_client::connect_to(std::string_view address) {
    auto [host, port] = split_host_port(address);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
        throw cli_error("cannot resolve " + address_ + ": " + ::gai_strerror(rc));
    }
    std::string error = "no address";
    for (const addrinfo* ai = found; ai != nullptr && fd_ < 0; ai = ai->ai_next) {
        fd_ = connect_with_timeout(ai, timeout_, error);
    }
    ::freeaddrinfo(found);
    if (fd_ < 0) throw cli_error("cannot connect to broker at " + address_ + ": " + error);
    try {
        negotiate_versions();
    } catch (...) {
        // Closed here: the caller may try the next address.
        ::close(fd_);
        fd_ = -1;
        throw;
    }
}

kafka_client::~kafka_client() {
    if (fd_ >= 0) ::close(fd_);
}

void kafka_client::negotiate_versions() {
    // v0 is understood by every broker and has an empty body.
    protocol::api_versions_request request;
    auto response = call<protocol::api_versions_response>(request, 0);
    if (response.error_code != 0) {
        throw cli_error("broker at " + address_ + " refused ApiVersions: " + describe_error(response.error_code));
    }
    for (const auto& k : response.api_keys) broker_versions_[k.api_key] = {k.min_version, k.max_version};
}

int16_t kafka_client::pick_version(int16_t api_key, int16_t lowest, int16_t highest) const {
    auto it = broker_versions_.find(api_key);
    if (it == broker_versions_.end()) {
        throw cli_error("broker at " + address_ + " does not support " + api_name(api_key));
    }
    auto [broker_min, broker_max] = it->second;
    int16_t v = std::min(highest, broker_max);
    if (v < lowest || v < broker_min) {
        throw cli_error("broker at " + address_ + " supports " + api_name(api_key) + " versions " +
                        std::to_string(broker_min) + "-" + std::to_string(broker_max) + ", this tool needs " +
                        std::to_string(lowest) + "-" + std::to_string(highest));
    }
    return v;
}

int32_t kafka_client::send_request(int16_t api_key, int16_t version, const protocol::bytes& body) {
    const auto* api = protocol::find_api(api_key);
    bool flexible = api != nullptr && api->is_flexible(version);
    int32_t correlation_id = next_correlation_id_++;

    protocol::request_header header;
    header.request_api_key = api_key;
    header.request_api_version = version;
    header.correlation_id = correlation_id;
    header.client_id = std::string(client_id);
    protocol::writer w;
    w.write_int32(0);  // size, patched below
    header.encode(w, flexible ? 2 : 1);
    w.write_raw(body);
    protocol::bytes& frame = w.buffer();
    uint32_t size = static_cast<uint32_t>(frame.size() - 4);
    for (int i = 0; i < 4; ++i) frame[i] = static_cast<uint8_t>(size >> (24 - 8 * i));
    send_all(frame);
    return correlation_id;
}

protocol::bytes kafka_client::roundtrip(int16_t api_key, int16_t version, const protocol::bytes& body) {
    int32_t correlation_id = send_request(api_key, version, body);
    const auto* api = protocol::find_api(api_key);
    bool flexible = api != nullptr && api->is_flexible(version);

    uint8_t size_bytes[4];
    recv_all(size_bytes, 4);
    int32_t response_size = static_cast<int32_t>((uint32_t{size_bytes[0]} << 24) | (uint32_t{size_bytes[1]} << 16) |
                                                 (uint32_t{size_bytes[2]} << 8) | uint32_t{size_bytes[3]});
    if (response_size < 4 || response_size > max_response_size) {
        throw cli_error("broker at " + address_ + " sent a response of impossible size " +
                        std::to_string(response_size) + " to " + api_name(api_key) + " (is it a Kafka broker?)");
    }
    protocol::bytes response(static_cast<size_t>(response_size));
    recv_all(response.data(), response.size());

    protocol::reader r(response);
    protocol::response_header rh;
    bool flexible_header = flexible && api_key != protocol::api_versions_request::api_key;
    rh.decode(r, flexible_header ? 1 : 0);
    if (!r.ok()) throw cli_error("broker at " + address_ + " sent a malformed response header");
    if (rh.correlation_id != correlation_id) {
        throw cli_error("broker at " + address_ + " answered correlation id " + std::to_string(rh.correlation_id) +
                        ", expected " + std::to_string(correlation_id));
    }
    size_t header_size = response.size() - r.remaining();
    response.erase(response.begin(), response.begin() + static_cast<std::ptrdiff_t>(header_size));
    return response;
}

void kafka_client::send_all(const protocol::bytes& frame) {
    size_t sent = 0;
    while (sent < frame.size()) {
        pollfd p{fd_, POLLOUT, 0};
        int rc = ::poll(&p, 1, static_cast<int>(timeout_.count()));
        if (rc < 0 && errno == EINTR) continue;
        if (rc == 0) throw cli_error("timed out sending to broker at " + address_);
        if (rc < 0) throw cli_error("poll: " + std::string(std::strerror(errno)));
        ssize_t n = ::send(fd_, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            throw cli_error("cannot send to broker at " + address_ + ": " + std::strerror(errno));
        }
        sent += static_cast<size_t>(n);
    }
}

void kafka_client::recv_all(uint8_t* data, size_t size) {
    size_t got = 0;
    while (got < size) {
        pollfd p{fd_, POLLIN, 0};
        int rc = ::poll(&p, 1, static_cast<int>(timeout_.count()));
        if (rc < 0 && errno == EINTR) continue;
        if (rc == 0) {
            throw cli_error("timed out after " + std::to_string(timeout_.count()) + " ms waiting for broker at " +
                            address_);
        }
        if (rc < 0) throw cli_error("poll: " + std::string(std::strerror(errno)));
        ssize_t n = ::recv(fd_, data + got, size - got, 0);
        if (n == 0) throw cli_error("broker at " + address_ + " closed the connection");
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            throw cli_error("cannot read from broker at " + address_ + ": " + std::strerror(errno));
        }
        got += static_cast<size_t>(n);
    }
}

void kafka_client::throw_bad_response(int16_t api_key, int16_t version, bool trailing) const {
    throw cli_error("broker at " + address_ + " sent an undecodable " + api_name(api_key) + " v" +
                    std::to_string(version) + " response (" + (trailing ? "trailing bytes" : "too short") + ")");
}

}  // namespace sluice::tools

#pragma once
// A small blocking Kafka client for the admin CLI: one connection, one
// request in flight, every socket operation bounded by a timeout.
//
// Framing: each request is int32 size + request header + body. The header is
// v1 (api_key, api_version, correlation_id, nullable client_id) or v2 (the
// same plus an empty tagged-field section) when the API version is flexible.
// The response header is v0 (correlation_id), or v1 (plus tagged fields) when
// flexible — except ApiVersions, whose response header is always v0 so that a
// client can read the answer before it knows what the broker speaks.
//
// On connect the client asks ApiVersions v0 for the broker's ranges; call()
// then uses, per API, the highest version both sides support.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "protocol/wire.h"
#include "tools/cli/cli_error.h"

namespace sluice::tools {

class kafka_client {
public:
    // Connects to "host:port" ("[v6addr]:port" for IPv6), or to the first
    // of a comma-separated list that answers, and learns the broker's API
    // versions. Throws cli_error when the broker is unreachable,
    // does not answer within `timeout`, or answers garbage.
    kafka_client(std::string_view bootstrap, std::chrono::milliseconds timeout);
    ~kafka_client();
    kafka_client(const kafka_client&) = delete;
    kafka_client& operator=(const kafka_client&) = delete;

    // The version to use for `api_key`: the highest in [lowest, highest] the
    // broker also supports. Throws cli_error when there is none.
    int16_t pick_version(int16_t api_key, int16_t lowest, int16_t highest) const;

    // The version for a generated request type, within the generated range,
    // at least `min_version` (for commands that need newer fields).
    template <typename Request>
    int16_t version_for(int16_t min_version = Request::lowest_version) const {
        return pick_version(Request::api_key, min_version, Request::highest_version);
    }

    // Sends `request` at `version` and decodes the answer. Trailing bytes
    // after the response are an error, as a short response is.
    template <typename Response, typename Request>
    Response call(const Request& request, int16_t version) {
        protocol::writer body;
        request.encode(body, version);
        protocol::bytes answer = roundtrip(Request::api_key, version, body.buffer());
        protocol::reader r(answer);
        Response response;
        response.decode(r, version);
        if (!r.ok() || !r.at_end()) throw_bad_response(Request::api_key, version, r.ok());
        return response;
    }

    // As call(), for answers that carry records (Fetch): their views point
    // into `keep`, which must outlive the response.
    template <typename Response, typename Request>
    Response call(const Request& request, int16_t version, protocol::bytes& keep) {
        protocol::writer body;
        request.encode(body, version);
        keep = roundtrip(Request::api_key, version, body.buffer());
        protocol::reader r(keep);
        Response response;
        response.decode(r, version);
        if (!r.ok() || !r.at_end()) throw_bad_response(Request::api_key, version, r.ok());
        return response;
    }

    // Sends `request` without reading an answer: Produce with acks=0, which
    // the broker never answers.
    template <typename Request>
    void send_only(const Request& request, int16_t version) {
        protocol::writer body;
        request.encode(body, version);
        send_request(Request::api_key, version, body.buffer());
    }

    const std::string& address() const { return address_; }

private:
    // Writes one request frame and returns the response body (after the
    // response header, whose correlation id is checked).
    protocol::bytes roundtrip(int16_t api_key, int16_t version, const protocol::bytes& body);
    // Writes one request frame; returns its correlation id.
    int32_t send_request(int16_t api_key, int16_t version, const protocol::bytes& body);
    void send_all(const protocol::bytes& frame);
    void recv_all(uint8_t* data, size_t size);
    void connect_to(std::string_view address);
    void negotiate_versions();
    [[noreturn]] void throw_bad_response(int16_t api_key, int16_t version, bool trailing) const;

    int fd_ = -1;
    std::string address_;
    std::chrono::milliseconds timeout_;
    int32_t next_correlation_id_ = 1;
    std::map<int16_t, std::pair<int16_t, int16_t>> broker_versions_;  // key -> [min, max]
};

// The bootstrap address: the -b/--bootstrap-server value, else
// $SLUICE_BOOTSTRAP, else localhost:9092.
std::string default_bootstrap();

}  // namespace sluice::tools

#pragma once
// A minimal HTTP/1.1 GET for the commands that talk to a broker's HTTP
// listener (http.listeners) rather than its Kafka port: one connection per
// request, the whole answer read into memory.
#include <chrono>
#include <functional>
#include <string>
#include <string_view>

namespace sluice::tools {

struct http_reply {
    unsigned status = 0;
    std::string content_type;
    std::string body;
};

// `host_port` "host:port"; `target` already percent-encoded. Throws
// cli_error when the listener cannot be reached or answers garbage, or
// nothing arrives within `timeout`.
http_reply http_get(const std::string& host_port, const std::string& target, std::chrono::milliseconds timeout);

// A GET whose 200 answer is a stream of lines (server-sent events): each
// line (without its newline) goes to `on_line` as it arrives, until the
// server closes (returns the status, 200) or `on_line` returns false. Any
// other status returns at once with the whole body. `idle` bounds the wait
// for each next byte (a keep-alive comes every 15 s).
http_reply http_get_lines(const std::string& host_port, const std::string& target, std::chrono::milliseconds idle,
                          const std::function<bool(std::string_view)>& on_line);

// A POST of `json_body` whose 200 answer is newline-delimited (chunked or
// not): each line goes to `on_line` as it arrives, until the answer ends or
// `on_line` returns false. Any other status returns with the whole body.
http_reply http_post_lines(const std::string& host_port, const std::string& target, const std::string& json_body,
                           std::chrono::milliseconds idle, const std::function<bool(std::string_view)>& on_line);

// RFC 3986 percent-encoding of every byte outside the unreserved set, for
// path segments and query values.
std::string url_encode(std::string_view bytes);

}  // namespace sluice::tools

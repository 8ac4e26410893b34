#pragma once
// What the HTTP listener answers, apart from the socket: a pure function of
// the method and target, so every status is unit-tested without a server.
//   GET /metrics  200, Prometheus text format 0.0.4
//   GET /healthz  200 while the process serves at all
//   GET /readyz   200 "ready", or 503 with the reason it is not
//   other paths   404; other methods on these paths 405 (Allow: GET)
// The web console (/, /console/..., /api/...) is answered by console/
// (asynchronously: its actions wait on the metadata store) when enabled;
// /v1/... (per-key reads, http/key_records.h) by routes::keys.
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::broker::http {

// A connection that became an event stream (text/event-stream): the
// server writes what is sent, in order, until either side closes. I/O
// thread only.
class event_sink {
public:
    virtual ~event_sink() = default;
    // Queued; a client that lets more than a few MiB pile up is closed.
    virtual void send(std::string data) = 0;
    virtual void close() = 0;
    // A chunked answer (answer::stream_type set) ends: the last chunk, then
    // the close once everything queued is written. Else as close().
    virtual void finish() { close(); }
    // Bytes queued and not yet written, for a writer that waits for the
    // client instead of being disconnected.
    virtual size_t queued() const { return 0; }
    // Kept alive until the connection ends (then released on the executor).
    virtual void keep(std::shared_ptr<void> owner) = 0;
};

struct answer {
    unsigned status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
    bool allow_get = false;     // send "Allow: GET" (405)
    std::string allow;          // else, when set, the Allow header (405)
    std::string location;       // Location header (redirects)
    std::string www_authenticate;  // WWW-Authenticate header (401)
    bool console_page = false;  // send the console's Content-Security-Policy
    // Set (status 200): an event stream. The head goes without a length
    // (the body ends when the connection does), then `stream` is handed
    // the connection.
    std::function<void(std::shared_ptr<event_sink>)> stream;
    // With `stream`: empty for text/event-stream (ends with the connection);
    // else this Content-Type, sent chunked (ends with event_sink::finish).
    std::string stream_type;
};

struct routes {
    std::function<std::string()> metrics;
    // nullopt when ready, else why not.
    std::function<std::optional<std::string>()> not_ready;
    // The console and its API; unset, their paths are 404 like any other.
    // `reply` is called once, on the I/O executor, maybe after it returns.
    using reply_fn = std::function<void(answer)>;
    std::function<void(std::string_view method, std::string_view target, std::string body, reply_fn reply)> console;
    // When set, answers every request (a listener with one job of its own,
    // such as the schema registry's), as console does, told the request's
    // Content-Type and Authorization too.
    std::function<void(std::string_view method, std::string_view target, std::string_view content_type,
                       std::string_view authorization, std::string body, reply_fn reply)>
        any;
    // /v1/topics/{topic}/keys/{key}/records; unset, 404 like any other path.
    std::function<void(std::string_view method, std::string_view target, reply_fn reply)> keys;
    // POST to the same path (http/key_writes.h): told If-Match and the body.
    std::function<void(std::string_view target, std::optional<std::string_view> if_match, std::string body,
                       reply_fn reply)>
        key_write;
    // GET of the same path with follow= (http/key_follow.h): told Last-Event-ID.
    std::function<void(std::string_view target, std::optional<std::string_view> last_event_id, reply_fn reply)>
        key_follow;
    // POST /v1/query (http/query.h): told the body.
    std::function<void(std::string_view method, std::string body, reply_fn reply)> query;
};

// Whether `target` belongs to the console (its pages or /api/).
bool console_path(std::string_view target);
// Whether `target` belongs to the /v1/ API (routes::keys).
bool keys_path(std::string_view target);

answer route(std::string_view method, std::string_view target, const routes& r);

}  // namespace sluice::broker::http

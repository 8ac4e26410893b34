#include "broker/http/router.h"

#include "broker/metrics/text_format.h"

namespace sluice::broker::http {

namespace {

answer text(unsigned status, std::string body) {
    answer a;
    a.status = status;
    a.body = std::move(body);
    return a;
}

}  // namespace

bool console_path(std::string_view target) {
    std::string_view path = target.substr(0, target.find('?'));
    return path == "/" || path == "/console" || path.starts_with("/console/") || path == "/api" ||
           path.starts_with("/api/");
}

bool keys_path(std::string_view target) {
    std::string_view path = target.substr(0, target.find('?'));
    return path == "/v1" || path.starts_with("/v1/");
}

answer route(std::string_view method, std::string_view target, const routes& r) {
    std::string_view path = target.substr(0, target.find('?'));
    if (path != "/metrics" && path != "/healthz" && path != "/readyz") return text(404, "not found\n");
    if (method != "GET") {
        answer a = text(405, "method not allowed\n");
        a.allow_get = true;
        return a;
    }
    if (path == "/healthz") return text(200, "ok\n");
    if (path == "/readyz") {
        if (auto why = r.not_ready()) return text(503, *why + "\n");
        return text(200, "ready\n");
    }
    answer a = text(200, r.metrics());
    a.content_type = metrics::text_writer::content_type;
    return a;
}

}  // namespace sluice::broker::http

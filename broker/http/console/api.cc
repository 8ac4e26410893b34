#include "broker/http/console/api.h"

#include "broker/broker.h"
#include "broker/http/console/actions.h"
#include "broker/http/console/api_support.h"
#include "broker/http/console/assets.h"
#include "broker/http/console/records.h"
#include "broker/http/console/views.h"

namespace sluice::broker::http::console {

using protocol::error_code;

namespace {

answer not_found(std::string_view why) { return api_error(404, error_code::invalid_request, why); }

answer redirect(std::string location) {
    answer a;
    a.status = 302;
    a.location = std::move(location);
    return a;
}

// The console's pages; the page itself routes by the URL's #fragment, so
// the server needs only these few paths.
answer page(std::string_view method, std::string_view target) {
    std::string_view path = target.substr(0, target.find('?'));
    if (path == "/" || path == "/console") return redirect("/console/");
    constexpr std::string_view prefix = "/console/";
    std::string_view name = path.starts_with(prefix) ? path.substr(prefix.size()) : std::string_view("?");
    if (name.empty()) name = "index.html";
    const asset* found = find_asset(name);
    if (found == nullptr) {
        answer a;
        a.status = 404;
        a.body = "not found\n";
        return a;
    }
    if (method != "GET") {
        answer a;
        a.status = 405;
        a.body = "method not allowed\n";
        a.allow_get = true;
        return a;
    }
    answer a;
    a.content_type = std::string(found->content_type);
    a.body = std::string(found->data);
    a.console_page = true;
    return a;
}

struct path_spec {
    // Segments to match; "*" takes a name, "#" a partition number.
    std::vector<std::string_view> pattern;
    std::vector<std::pair<std::string_view, operation>> methods;
};

const std::vector<path_spec>& paths() {
    static const std::vector<path_spec> all = {
        {{"cluster"}, {{"GET", operation::cluster}}},
        {{"topics"}, {{"GET", operation::list_topics}, {"POST", operation::create_topic}}},
        {{"topics", "*"}, {{"GET", operation::describe_topic}, {"DELETE", operation::delete_topic}}},
        {{"topics", "*", "partitions"}, {{"POST", operation::add_partitions}}},
        {{"topics", "*", "configs"}, {{"PUT", operation::alter_configs}, {"PATCH", operation::alter_configs}}},
        {{"topics", "*", "partitions", "#", "records"}, {{"GET", operation::read_records}}},
        {{"groups"}, {{"GET", operation::list_groups}}},
        {{"groups", "*"}, {{"GET", operation::describe_group}, {"DELETE", operation::delete_group}}},
        {{"groups", "*", "reset-offsets"}, {{"POST", operation::reset_offsets}}},
    };
    return all;
}

}  // namespace

bool changes_state(operation op) {
    switch (op) {
        case operation::create_topic:
        case operation::delete_topic:
        case operation::add_partitions:
        case operation::alter_configs:
        case operation::delete_group:
        case operation::reset_offsets:
            return true;
        default:
            return false;
    }
}

std::variant<resolved, answer> resolve(std::string_view method, std::string_view target) {
    std::string error;
    auto parsed = parse_api_target(target, error);
    if (!parsed) {
        // Outside /api/v1/ is "no such path"; inside, a malformed target.
        const std::string_view path = target.substr(0, target.find('?'));
        if (!path.starts_with("/api/v1/") || path == "/api/v1/") return not_found("no such API path");
        return api_error(400, error_code::invalid_request, error);
    }
    const auto& seg = parsed->segments;
    for (const auto& spec : paths()) {
        if (spec.pattern.size() != seg.size()) continue;
        resolved r;
        bool match = true;
        for (size_t i = 0; i < seg.size() && match; ++i) {
            if (spec.pattern[i] == "*") {
                r.name = seg[i];
            } else if (spec.pattern[i] == "#") {
                auto p = parse_int(seg[i], 0, INT32_MAX);
                if (!p) return api_error(400, error_code::invalid_request, "the partition must be a number");
                r.partition = static_cast<int32_t>(*p);
            } else {
                match = spec.pattern[i] == seg[i];
            }
        }
        if (!match) continue;
        std::string allow;
        for (const auto& [m, op] : spec.methods) {
            if (m == method) {
                r.op = op;
                r.query = std::move(parsed->query);
                return r;
            }
            allow += allow.empty() ? std::string(m) : ", " + std::string(m);
        }
        return method_not_allowed(allow);
    }
    return not_found("no such API path");
}

void serve(broker& b, std::string_view method, std::string_view target, std::string body, routes::reply_fn reply) {
    const std::string_view path = target.substr(0, target.find('?'));
    if (path != "/api" && !path.starts_with("/api/")) return reply(page(method, target));
    auto found = resolve(method, target);
    if (auto* refused = std::get_if<answer>(&found)) return reply(std::move(*refused));
    resolved& r = std::get<resolved>(found);
    if (changes_state(r.op) && b.config().http_console_read_only) {
        return reply(api_error(error_code::cluster_authorization_failed,
                               "The console is read-only (http.console.read.only=true)."));
    }
    switch (r.op) {
        case operation::cluster:
            return reply(cluster_view(b));
        case operation::list_topics:
            return reply(topics_view(b));
        case operation::describe_topic:
            return reply(topic_view(b, r.name));
        case operation::list_groups:
            return reply(groups_view(b));
        case operation::describe_group:
            return reply(group_view(b, r.name));
        case operation::read_records: {
            std::string error;
            auto q = parse_record_query(r.query, error);
            if (!q) return reply(api_error(400, error_code::invalid_request, error));
            return read_records(b, r.name, r.partition, *q, std::move(reply));
        }
        case operation::create_topic:
            return create_topic(b, body, std::move(reply));
        case operation::delete_topic:
            return delete_topic(b, r.name, std::move(reply));
        case operation::add_partitions:
            return add_partitions(b, r.name, body, std::move(reply));
        case operation::alter_configs:
            return alter_configs(b, r.name, body, std::move(reply));
        case operation::reset_offsets:
            return reset_offsets(b, r.name, body, std::move(reply));
        case operation::delete_group:
            return delete_group(b, r.name, std::move(reply));
    }
}

}  // namespace sluice::broker::http::console

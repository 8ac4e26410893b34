#include "replication/etcd/etcd_client.h"

#include <stdexcept>

#include "replication/etcd/etcd_http.h"
#include "replication/etcd/etcd_json.h"
#include "replication/etcd/etcd_watch_impl.h"

namespace sluice::replication::etcd {

std::vector<endpoint> parse_endpoints(const std::string& list) {
    std::vector<endpoint> out;
    size_t at = 0;
    while (at <= list.size()) {
        size_t comma = list.find(',', at);
        std::string item = list.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
        at = comma == std::string::npos ? list.size() + 1 : comma + 1;
        while (!item.empty() && item.front() == ' ') item.erase(item.begin());
        while (!item.empty() && item.back() == ' ') item.pop_back();
        if (item.empty()) continue;
        constexpr std::string_view scheme = "http://";
        if (!item.starts_with(scheme)) {
            throw std::invalid_argument("etcd endpoint '" + item + "' must start with http://");
        }
        std::string rest = item.substr(scheme.size());
        if (!rest.empty() && rest.back() == '/') rest.pop_back();
        size_t colon = rest.rfind(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size() ||
            rest.find_first_not_of("0123456789", colon + 1) != std::string::npos) {
            throw std::invalid_argument("etcd endpoint '" + item + "' needs a host and a port");
        }
        out.push_back(endpoint{rest.substr(0, colon), rest.substr(colon + 1)});
    }
    if (out.empty()) throw std::invalid_argument("no etcd endpoint in '" + list + "'");
    return out;
}

struct client::shared {
    std::shared_ptr<detail::endpoint_choice> choice = std::make_shared<detail::endpoint_choice>();
};

client::client(boost::asio::any_io_executor executor, options opts)
    : executor_(std::move(executor)), options_(std::move(opts)), shared_(std::make_shared<shared>()) {
    if (options_.endpoints.empty()) throw std::invalid_argument("etcd client needs at least one endpoint");
    shared_->choice->endpoints = options_.endpoints;
}

namespace {

// Turns a parsed JSON answer into T with `parse`, passing errors through.
template <typename T, typename Parse>
std::function<void(result<boost::json::value>)> parsed(client::callback<T> done, Parse parse) {
    return [done = std::move(done), parse](result<boost::json::value> r) {
        if (!r) return done(r.err());
        done(parse(r.value()));
    };
}

}  // namespace

void client::range(std::string key, std::string range_end, callback<range_response> done) {
    detail::post_json(executor_, shared_->choice, "/v3/kv/range", json::range_body(key, range_end),
                      options_.request_timeout, parsed(std::move(done), json::parse_range));
}

void client::put(put_op op, callback<header> done) {
    detail::post_json(executor_, shared_->choice, "/v3/kv/put", json::put_body(op), options_.request_timeout,
                      parsed(std::move(done), json::parse_header_only));
}

void client::remove(delete_op op, callback<header> done) {
    detail::post_json(executor_, shared_->choice, "/v3/kv/deleterange", json::delete_body(op),
                      options_.request_timeout, parsed(std::move(done), json::parse_header_only));
}

void client::txn(const txn_request& request, callback<txn_response> done) {
    detail::post_json(executor_, shared_->choice, "/v3/kv/txn", json::txn_body(request), options_.request_timeout,
                      parsed(std::move(done), json::parse_txn));
}

void client::lease_grant(int64_t ttl_seconds, callback<lease_grant_response> done) {
    detail::post_json(executor_, shared_->choice, "/v3/lease/grant", json::lease_grant_body(ttl_seconds),
                      options_.request_timeout, parsed(std::move(done), json::parse_lease_grant));
}

void client::lease_keepalive(int64_t id, callback<int64_t> done) {
    detail::post_json(executor_, shared_->choice, "/v3/lease/keepalive", json::lease_id_body(id),
                      options_.request_timeout, parsed(std::move(done), json::parse_keepalive));
}

void client::lease_revoke(int64_t id, callback<header> done) {
    detail::post_json(executor_, shared_->choice, "/v3/lease/revoke", json::lease_id_body(id),
                      options_.request_timeout, parsed(std::move(done), json::parse_header_only));
}

std::shared_ptr<watch_stream> client::watch(std::string key, std::string range_end, int64_t start_revision,
                                            std::function<void(const watch_response&)> on_message,
                                            std::function<void(const error&)> on_end) {
    return detail::start_watch(executor_, shared_->choice, json::watch_body(key, range_end, start_revision),
                               options_.request_timeout, std::move(on_message), std::move(on_end));
}

}  // namespace sluice::replication::etcd

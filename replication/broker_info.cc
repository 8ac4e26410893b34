#include "replication/broker_info.h"

#include <boost/json.hpp>
#include <random>

namespace sluice::replication {

namespace bj = boost::json;

std::string to_json(const broker_info& info) {
    bj::object o;
    o["node_id"] = info.node_id;
    if (info.rack) o["rack"] = *info.rack;
    bj::array endpoints;
    for (const auto& e : info.endpoints) {
        endpoints.push_back(bj::object{{"listener", e.listener},
                                       {"host", e.host},
                                       {"port", e.port},
                                       {"security_protocol", e.security_protocol}});
    }
    o["endpoints"] = std::move(endpoints);
    o["incarnation"] = info.incarnation;
    if (info.controlled_shutdown) o["controlled_shutdown"] = true;
    return bj::serialize(o);
}

namespace {

bool read_string(const bj::object& o, std::string_view field, std::string& out) {
    const bj::value* v = o.if_contains(field);
    if (v == nullptr || !v->is_string()) return false;
    out = std::string(v->as_string());
    return true;
}

bool read_int32(const bj::object& o, std::string_view field, int32_t& out) {
    const bj::value* v = o.if_contains(field);
    if (v == nullptr || !v->is_int64()) return false;
    int64_t n = v->as_int64();
    if (n < INT32_MIN || n > INT32_MAX) return false;
    out = static_cast<int32_t>(n);
    return true;
}

}  // namespace

std::optional<broker_info> broker_info_from_json(const std::string& text) {
    boost::system::error_code ec;
    bj::value v = bj::parse(text, ec);
    if (ec || !v.is_object()) return std::nullopt;
    const bj::object& o = v.as_object();
    broker_info info;
    if (!read_int32(o, "node_id", info.node_id) || !read_string(o, "incarnation", info.incarnation)) return std::nullopt;
    if (const bj::value* rack = o.if_contains("rack")) {
        if (!rack->is_string()) return std::nullopt;
        info.rack = std::string(rack->as_string());
    }
    if (const bj::value* leaving = o.if_contains("controlled_shutdown")) {
        if (!leaving->is_bool()) return std::nullopt;
        info.controlled_shutdown = leaving->as_bool();
    }
    const bj::value* endpoints = o.if_contains("endpoints");
    if (endpoints == nullptr || !endpoints->is_array()) return std::nullopt;
    for (const auto& item : endpoints->as_array()) {
        if (!item.is_object()) return std::nullopt;
        broker_endpoint e;
        const auto& eo = item.as_object();
        if (!read_string(eo, "listener", e.listener) || !read_string(eo, "host", e.host) ||
            !read_int32(eo, "port", e.port) || !read_string(eo, "security_protocol", e.security_protocol)) {
            return std::nullopt;
        }
        info.endpoints.push_back(std::move(e));
    }
    return info;
}

std::string random_incarnation() {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    static constexpr char digits[] = "0123456789abcdef";
    std::string id;
    for (int i = 0; i < 16; ++i) id += digits[rng() % 16];
    return id;
}

}  // namespace sluice::replication

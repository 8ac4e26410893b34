#include "broker/security/acl_records.h"

#include <boost/json.hpp>

namespace sluice::broker::security {

namespace json = boost::json;

namespace {

template <typename Enum>
std::optional<Enum> enum_named(std::string_view name, int count) {
    for (int i = 0; i < count; ++i) {
        auto e = static_cast<Enum>(i);
        if (name_of(e) == name) return e;
    }
    return std::nullopt;
}

}  // namespace

std::string record_key(const acl_binding& b) {
    json::array a{static_cast<int>(b.type),
                  b.name,
                  static_cast<int>(b.pattern),
                  b.principal,
                  b.host,
                  static_cast<int>(b.operation),
                  static_cast<int>(b.permission)};
    return json::serialize(a);
}

std::string record_value(const acl_binding& b) {
    json::object o;
    o["resourceType"] = name_of(b.type);
    o["name"] = b.name;
    o["patternType"] = name_of(b.pattern);
    o["principal"] = b.principal;
    o["host"] = b.host;
    o["operation"] = name_of(b.operation);
    o["permissionType"] = name_of(b.permission);
    return json::serialize(o);
}

std::optional<acl_binding> parse_record(std::string_view value) {
    json::error_code ec;
    json::value v = json::parse(value, ec);
    if (ec || !v.is_object()) return std::nullopt;
    const auto& o = v.get_object();
    auto text = [&](std::string_view key) -> std::optional<std::string> {
        const json::value* f = o.if_contains(key);
        if (f == nullptr || !f->is_string()) return std::nullopt;
        return std::string(f->get_string());
    };
    auto type = text("resourceType");
    auto name = text("name");
    auto pattern = text("patternType");
    auto principal = text("principal");
    auto host = text("host");
    auto op = text("operation");
    auto perm = text("permissionType");
    if (!type || !name || !pattern || !principal || !host || !op || !perm) return std::nullopt;
    auto t = enum_named<resource_type>(*type, resource_type_count);
    auto p = enum_named<pattern_type>(*pattern, 5);
    auto o2 = enum_named<acl_operation>(*op, acl_operation_count);
    auto pm = enum_named<acl_permission>(*perm, 4);
    if (!t || !p || !o2 || !pm) return std::nullopt;
    acl_binding b{*t, std::move(*name), *p, std::move(*principal), std::move(*host), *o2, *pm};
    if (invalid_binding(b)) return std::nullopt;
    return b;
}

}  // namespace sluice::broker::security

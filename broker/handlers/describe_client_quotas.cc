// DescribeClientQuotas: the stored client quotas (broker/quotas/) whose
// entity matches every filter component — a name, the <default>, or any
// (match types 0, 1, 2) — and, when strict, has no other component.
#include "protocol/generated/describe_client_quotas.h"

#include <set>

#include "broker/broker.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"
#include "broker/quotas/quota_manager.h"

namespace sluice::broker {

using protocol::error_code;
using protocol::to_wire;
using request_t = protocol::describe_client_quotas_request;
using response_t = protocol::describe_client_quotas_response;

namespace {

constexpr int8_t match_exact = 0;
constexpr int8_t match_default = 1;
constexpr int8_t match_any = 2;

std::optional<std::string> check_filter(const request_t& body) {
    std::set<std::string> types;
    for (const auto& c : body.components) {
        if (c.entity_type != quotas::user_type && c.entity_type != quotas::client_id_type &&
            c.entity_type != quotas::ip_type) {
            return "Custom entity type '" + c.entity_type + "' not supported";
        }
        if (!types.insert(c.entity_type).second) return "Duplicate " + c.entity_type + " filter component entity type";
        if (c.match_type != match_exact && c.match_type != match_default && c.match_type != match_any) {
            return "Unexpected match type " + std::to_string(c.match_type);
        }
        if (c.match_type == match_exact && !c.match) return "A name match needs a name";
    }
    if (types.contains(std::string(quotas::ip_type)) && types.size() > 1) {
        return "Invalid entity filter component combination, IP filter component should not be used with "
               "user or clientId filter component.";
    }
    return std::nullopt;
}

bool matches(const request_t& body, const quotas::quota_entity& e) {
    auto components = quotas::components_of(e);
    for (const auto& c : body.components) {
        auto it = std::find_if(components.begin(), components.end(),
                               [&c](const auto& kv) { return kv.first == c.entity_type; });
        if (it == components.end()) return false;
        if (c.match_type == match_exact && it->second != c.match) return false;
        if (c.match_type == match_default && it->second.has_value()) return false;
    }
    return !body.strict || components.size() == body.components.size();
}

}  // namespace

handler_result handle_describe_client_quotas(broker& b, request& req) {
    request_t body;
    if (!decode_body(req, body)) return handler_result::close();
    response_t response;
    if (!cluster_authorized(b, req, acl_operation::describe_configs)) {
        response.error_code = to_wire(error_code::cluster_authorization_failed);
        return respond_with(req, response);
    }
    if (auto err = check_filter(body)) {
        response.error_code = to_wire(error_code::invalid_request);
        response.error_message = err;
        return respond_with(req, response);
    }
    response.entries.emplace();
    for (const auto& [key, q] : b.quotas().configured()) {
        if (!matches(body, q.entity)) continue;
        auto& entry = response.entries->emplace_back();
        for (const auto& [type, name] : quotas::components_of(q.entity)) entry.entity.push_back({type, name, {}});
        for (const auto& [k, v] : q.values) entry.values.push_back({k, v, {}});
    }
    return respond_with(req, response);
}

}  // namespace sluice::broker

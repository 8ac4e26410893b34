// DescribeAcls: the stored ACLs matching one filter, grouped by resource
// pattern (DESCRIBE on the cluster needed).
#include <map>
#include <tuple>

#include "broker/handlers/acl_requests.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"

namespace sluice::broker {

handler_result handle_describe_acls(broker& b, request& req) {
    protocol::describe_acls_request body;
    if (!decode_body(req, body)) return handler_result::close();
    protocol::describe_acls_response response;
    auto refuse = [&](protocol::error_code code, std::string message) {
        response.error_code = protocol::to_wire(code);
        response.error_message = std::move(message);
        return respond_with(req, response);
    };
    if (!b.authorizer().enabled()) return refuse(protocol::error_code::security_disabled, no_authorizer_message);
    if (!cluster_authorized(b, req, acl_operation::describe)) {
        return refuse(protocol::error_code::cluster_authorization_failed, cluster_denied_message);
    }
    auto filter = filter_of(body);
    if (auto why = security::invalid_filter(filter)) return refuse(protocol::error_code::invalid_request, *why);

    using pattern_key = std::tuple<int8_t, std::string, int8_t>;
    std::map<pattern_key, std::vector<protocol::describe_acls_response::acl_description>> found;
    for (const auto& acl : b.authorizer().index().bindings()) {
        if (!security::matches(filter, acl)) continue;
        found[{static_cast<int8_t>(acl.type), acl.name, static_cast<int8_t>(acl.pattern)}].push_back(
            {acl.principal, acl.host, static_cast<int8_t>(acl.operation), static_cast<int8_t>(acl.permission), {}});
    }
    for (auto& [key, acls] : found) {
        protocol::describe_acls_response::describe_acls_resource r;
        r.resource_type = std::get<0>(key);
        r.resource_name = std::get<1>(key);
        r.pattern_type = std::get<2>(key);
        r.acls = std::move(acls);
        response.resources.push_back(std::move(r));
    }
    return respond_with(req, response);
}

}  // namespace sluice::broker

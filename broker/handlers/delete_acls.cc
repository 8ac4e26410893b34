// DeleteAcls: removes the stored ACLs each filter matches (ALTER on the
// cluster needed); each filter's result lists what it removed.
#include <map>

#include "broker/handlers/acl_requests.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"

namespace sluice::broker {

namespace {

protocol::delete_acls_response::delete_acls_matching_acl matching_of(const security::acl_binding& b) {
    protocol::delete_acls_response::delete_acls_matching_acl m;
    m.resource_type = static_cast<int8_t>(b.type);
    m.resource_name = b.name;
    m.pattern_type = static_cast<int8_t>(b.pattern);
    m.principal = b.principal;
    m.host = b.host;
    m.operation = static_cast<int8_t>(b.operation);
    m.permission_type = static_cast<int8_t>(b.permission);
    return m;
}

}  // namespace

handler_result handle_delete_acls(broker& b, request& req) {
    protocol::delete_acls_request body;
    if (!decode_body(req, body)) return handler_result::close();
    protocol::delete_acls_response response;
    response.filter_results.resize(body.filters.size());
    auto refuse_all = [&](protocol::error_code code, const char* message) {
        for (auto& r : response.filter_results) {
            r.error_code = protocol::to_wire(code);
            r.error_message = message;
        }
        return respond_with(req, response);
    };
    if (!b.authorizer().enabled()) return refuse_all(protocol::error_code::security_disabled, no_authorizer_message);
    if (!cluster_authorized(b, req, acl_operation::alter)) {
        return refuse_all(protocol::error_code::cluster_authorization_failed, cluster_denied_message);
    }
    // Each stored binding is removed once even when several filters match
    // it; every matching filter lists it.
    std::vector<security::acl_binding> doomed;
    std::vector<std::vector<size_t>> matched(body.filters.size());  // indexes into doomed
    std::map<size_t, size_t> doomed_at;                             // stored index -> doomed index
    const auto& stored = b.authorizer().index().bindings();
    for (size_t f = 0; f < body.filters.size(); ++f) {
        auto filter = filter_of(body.filters[f]);
        if (auto why = security::invalid_filter(filter)) {
            response.filter_results[f].error_code = protocol::to_wire(protocol::error_code::invalid_request);
            response.filter_results[f].error_message = std::move(*why);
            continue;
        }
        for (size_t i = 0; i < stored.size(); ++i) {
            if (!security::matches(filter, stored[i])) continue;
            auto [it, fresh] = doomed_at.try_emplace(i, doomed.size());
            if (fresh) doomed.push_back(stored[i]);
            matched[f].push_back(it->second);
        }
    }
    if (doomed.empty()) return respond_with(req, response);
    return handler_result::later([&b, version = req.api_version, response = std::move(response),
                                  doomed = std::move(doomed),
                                  matched = std::move(matched)](respond_fn respond) mutable {
        auto removing = doomed;
        b.authorizer().remove(std::move(removing), [version, response = std::move(response), doomed = std::move(doomed),
                                                    matched = std::move(matched), respond = std::move(respond)](
                                                       std::vector<replication::op_result> rs) mutable {
            for (size_t f = 0; f < matched.size(); ++f) {
                for (size_t d : matched[f]) {
                    auto m = matching_of(doomed[d]);
                    m.error_code = protocol::to_wire(rs[d].code);
                    if (!rs[d].ok()) m.error_message = rs[d].message;
                    response.filter_results[f].matching_acls.push_back(std::move(m));
                }
            }
            protocol::writer w;
            response.encode(w, version);
            respond(std::move(w));
        });
    });
}

}  // namespace sluice::broker

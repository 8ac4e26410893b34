// CreateAcls: stores each valid binding in the metadata store (ALTER on the
// cluster needed); every binding gets its own result.
#include "protocol/generated/create_acls.h"

#include "broker/handlers/acl_requests.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"

namespace sluice::broker {

handler_result handle_create_acls(broker& b, request& req) {
    protocol::create_acls_request body;
    if (!decode_body(req, body)) return handler_result::close();
    protocol::create_acls_response response;
    response.results.resize(body.creations.size());
    auto refuse_all = [&](protocol::error_code code, const char* message) {
        for (auto& r : response.results) {
            r.error_code = protocol::to_wire(code);
            r.error_message = message;
        }
        return respond_with(req, response);
    };
    if (!b.authorizer().enabled()) return refuse_all(protocol::error_code::security_disabled, no_authorizer_message);
    if (!cluster_authorized(b, req, acl_operation::alter)) {
        return refuse_all(protocol::error_code::cluster_authorization_failed, cluster_denied_message);
    }
    std::vector<security::acl_binding> valid;
    std::vector<size_t> positions;
    for (size_t i = 0; i < body.creations.size(); ++i) {
        auto binding = binding_of(body.creations[i]);
        if (auto why = security::invalid_binding(binding)) {
            response.results[i].error_code = protocol::to_wire(protocol::error_code::invalid_request);
            response.results[i].error_message = std::move(*why);
            continue;
        }
        valid.push_back(std::move(binding));
        positions.push_back(i);
    }
    if (valid.empty()) return respond_with(req, response);
    return handler_result::later([&b, version = req.api_version, response = std::move(response),
                                  valid = std::move(valid),
                                  positions = std::move(positions)](respond_fn respond) mutable {
        b.authorizer().create(std::move(valid),
                              [version, response = std::move(response), positions = std::move(positions),
                               respond = std::move(respond)](std::vector<replication::op_result> rs) mutable {
                                  for (size_t k = 0; k < rs.size(); ++k) {
                                      auto& r = response.results[positions[k]];
                                      r.error_code = protocol::to_wire(rs[k].code);
                                      if (!rs[k].ok()) r.error_message = rs[k].message;
                                  }
                                  protocol::writer w;
                                  response.encode(w, version);
                                  respond(std::move(w));
                              });
    });
}

}  // namespace sluice::broker

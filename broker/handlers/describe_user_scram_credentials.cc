// DescribeUserScramCredentials: the mechanisms and iteration counts of the
// users' SCRAM credentials (never salts or keys), from the metadata store's
// "scram" records. No users (null or empty): every user with a credential.
#include <map>

#include "broker/broker.h"
#include "broker/handlers/handlers.h"
#include "broker/sasl/scram_credentials.h"
#include "protocol/error_code.h"
#include "protocol/generated/describe_user_scram_credentials.h"
#include "replication/metadata_store.h"

namespace sluice::broker {

namespace {

using response_t = protocol::describe_user_scram_credentials_response;

response_t::describe_user_scram_credentials_result result_for(const std::string& user,
                                                              const sasl::user_credentials& creds) {
    response_t::describe_user_scram_credentials_result out;
    out.user = user;
    for (const auto& [m, c] : creds) {
        response_t::credential_info info;
        info.mechanism = static_cast<int8_t>(m);
        info.iterations = c.iterations;
        out.credential_infos.push_back(std::move(info));
    }
    return out;
}

}  // namespace

handler_result handle_describe_user_scram_credentials(broker& b, request& req) {
    protocol::describe_user_scram_credentials_request body;
    if (!decode_body(req, body)) return handler_result::close();
    auto records = b.metadata().records(sasl::scram_record_kind);
    response_t response;
    if (!body.users || body.users->empty()) {
        for (const auto& [user, value] : records) {
            auto creds = sasl::parse_user_credentials(value);
            if (!creds.empty()) response.results.push_back(result_for(user, creds));
        }
        return respond_with(req, response);
    }
    std::map<std::string, int> seen;
    for (const auto& u : *body.users) ++seen[u.name];
    for (const auto& [user, count] : seen) {
        response_t::describe_user_scram_credentials_result out;
        out.user = user;
        if (count > 1) {
            out.error_code = protocol::to_wire(protocol::error_code::duplicate_resource);
            out.error_message = "Cannot describe SCRAM credentials for the same user twice in a single request";
            response.results.push_back(std::move(out));
            continue;
        }
        auto it = records.find(user);
        auto creds = it == records.end() ? sasl::user_credentials{} : sasl::parse_user_credentials(it->second);
        if (creds.empty()) {
            out.error_code = protocol::to_wire(protocol::error_code::resource_not_found);
            out.error_message = "Attempt to describe a user credential that does not exist";
            response.results.push_back(std::move(out));
            continue;
        }
        response.results.push_back(result_for(user, creds));
    }
    return respond_with(req, response);
}

}  // namespace sluice::broker

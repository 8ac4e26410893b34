// AlterUserScramCredentials: adds, replaces and deletes users' SCRAM
// credentials in the metadata store's "scram" records, so every broker of
// the cluster authenticates the same users.
//
// The client sends SaltedPassword (never the password); the broker keeps
// StoredKey and ServerKey. A user is one result: any error on one of its
// changes (an unknown mechanism, iterations outside 4096..16384, an empty
// salt, a (user, mechanism) pair twice, deleting what does not exist)
// leaves that user unchanged; the other users' changes are written together.
#include <map>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "broker/broker.h"
#include "broker/handlers/handlers.h"
#include "broker/sasl/scram_credentials.h"
#include "protocol/error_code.h"
#include "protocol/generated/alter_user_scram_credentials.h"
#include "replication/metadata_store.h"

namespace sluice::broker {

namespace {

using protocol::error_code;
using request_t = protocol::alter_user_scram_credentials_request;
using response_t = protocol::alter_user_scram_credentials_response;

struct user_outcome {
    error_code error = error_code::none;
    std::string message;
    void set(error_code e, std::string m) {
        if (error != error_code::none) return;  // the first error wins
        error = e;
        message = std::move(m);
    }
};

struct plan {
    std::vector<std::string> order;  // users in request order
    std::map<std::string, user_outcome> outcomes;
    replication::record_changes changes;
};

plan plan_changes(const request_t& body, const replication::record_map& records) {
    plan p;
    auto note = [&](const std::string& user) {
        if (!p.outcomes.contains(user)) p.order.push_back(user);
        p.outcomes[user];
    };
    std::map<std::pair<std::string, int8_t>, int> pairs;
    for (const auto& d : body.deletions) {
        note(d.name);
        ++pairs[{d.name, d.mechanism}];
    }
    for (const auto& u : body.upsertions) {
        note(u.name);
        ++pairs[{u.name, u.mechanism}];
    }
    for (const auto& [key, count] : pairs) {
        if (count > 1) {
            p.outcomes[key.first].set(error_code::duplicate_resource,
                                      "A user credential cannot be altered twice in the same request");
        }
    }
    std::map<std::string, sasl::user_credentials> updated;
    auto current = [&](const std::string& user) -> sasl::user_credentials& {
        auto it = updated.find(user);
        if (it != updated.end()) return it->second;
        auto r = records.find(user);
        return updated[user] = r == records.end() ? sasl::user_credentials{} : sasl::parse_user_credentials(r->second);
    };
    for (const auto& d : body.deletions) {
        auto& out = p.outcomes[d.name];
        auto m = sasl::scram_mechanism_of(d.mechanism);
        if (d.name.empty()) out.set(error_code::unacceptable_credential, "Username must not be empty");
        if (!m) out.set(error_code::unsupported_sasl_mechanism, "Unknown SCRAM mechanism");
        if (out.error != error_code::none) continue;
        if (current(d.name).erase(*m) == 0) {
            out.set(error_code::resource_not_found, "Attempt to delete a user credential that does not exist");
        }
    }
    for (const auto& u : body.upsertions) {
        auto& out = p.outcomes[u.name];
        auto m = sasl::scram_mechanism_of(u.mechanism);
        if (u.name.empty()) out.set(error_code::unacceptable_credential, "Username must not be empty");
        if (!m) out.set(error_code::unsupported_sasl_mechanism, "Unknown SCRAM mechanism");
        if (u.iterations < sasl::scram_min_iterations) out.set(error_code::unacceptable_credential, "Too few iterations");
        if (u.iterations > sasl::scram_max_iterations) out.set(error_code::unacceptable_credential, "Too many iterations");
        if (u.salt.empty()) out.set(error_code::unacceptable_credential, "Salt must not be empty");
        if (u.salted_password.empty()) out.set(error_code::unacceptable_credential, "Salted password must not be empty");
        if (out.error != error_code::none) continue;
        std::string_view salted(reinterpret_cast<const char*>(u.salted_password.data()), u.salted_password.size());
        std::string_view salt(reinterpret_cast<const char*>(u.salt.data()), u.salt.size());
        current(u.name)[*m] = sasl::scram_credential_from_salted(*m, salted, salt, u.iterations);
    }
    for (const auto& [user, creds] : updated) {
        if (p.outcomes[user].error != error_code::none) continue;
        if (creds.empty()) {
            p.changes[user] = std::nullopt;
        } else {
            p.changes[user] = sasl::user_credentials_json(creds);
        }
    }
    return p;
}

// Writes the changes in batches the store accepts, one after another; a
// failed batch fails its users.
void write_batches(broker& b, std::shared_ptr<plan> p, replication::record_changes rest, std::function<void()> done) {
    if (rest.empty()) return done();
    replication::record_changes batch;
    while (!rest.empty() && batch.size() < replication::metadata_store::max_record_changes) {
        batch.insert(rest.extract(rest.begin()));
    }
    std::vector<std::string> users;
    for (const auto& [user, _] : batch) users.push_back(user);
    b.metadata().update_records(std::string(sasl::scram_record_kind), std::move(batch), b.io().get_executor(),
                                [&b, p, rest = std::move(rest), users, done](replication::op_result r) mutable {
                                    if (!r.ok()) {
                                        for (const auto& u : users) p->outcomes[u].set(r.code, r.message);
                                    }
                                    write_batches(b, p, std::move(rest), std::move(done));
                                });
}

}  // namespace

handler_result handle_alter_user_scram_credentials(broker& b, request& req) {
    request_t body;
    if (!decode_body(req, body)) return handler_result::close();
    auto p = std::make_shared<plan>(plan_changes(body, b.metadata().records(sasl::scram_record_kind)));
    int16_t version = req.api_version;
    return handler_result::later([&b, p, version](respond_fn respond) {
        write_batches(b, p, p->changes, [p, version, respond] {
            response_t response;
            for (const auto& user : p->order) {
                const auto& o = p->outcomes[user];
                response_t::alter_user_scram_credentials_result out;
                out.user = user;
                out.error_code = protocol::to_wire(o.error);
                if (o.error != error_code::none) out.error_message = o.message;
                response.results.push_back(std::move(out));
            }
            protocol::writer w;
            response.encode(w, version);
            respond(std::move(w));
        });
    });
}

}  // namespace sluice::broker

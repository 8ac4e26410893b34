// AlterClientQuotas: sets and removes client quotas (broker/quotas/), each
// entry checked as Kafka checks it, all written to the metadata store in one
// change. validate_only checks and writes nothing.
#include "protocol/generated/alter_client_quotas.h"

#include <boost/asio/io_context.hpp>

#include <map>
#include <set>
#include <memory>

#include "broker/broker.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"
#include "broker/quotas/quota_manager.h"
#include "replication/metadata_store.h"

namespace sluice::broker {

using protocol::error_code;
using protocol::to_wire;
using request_t = protocol::alter_client_quotas_request;
using response_t = protocol::alter_client_quotas_response;

namespace {

struct checked_entry {
    std::string key;              // the entity's record key
    quotas::quota_values values;  // after the ops
    std::optional<std::string> error;
};

checked_entry check_entry(const quotas::quota_manager& manager, const request_t::entry_data& e) {
    checked_entry out;
    std::vector<std::pair<std::string, quotas::entity_name>> components;
    for (const auto& c : e.entity) components.emplace_back(c.entity_type, c.entity_name);
    auto parsed = quotas::parse_entity(components);
    if (parsed.error) {
        out.error = parsed.error;
        return out;
    }
    out.key = quotas::entity_key(parsed.entity);
    if (auto it = manager.configured().find(out.key); it != manager.configured().end()) out.values = it->second.values;
    std::set<std::string> seen;
    for (const auto& op : e.ops) {
        if (!seen.insert(op.key).second) {
            out.error = "Duplicate quota key " + op.key + " for the same entity";
            return out;
        }
        if (op.remove) {
            if (auto err = quotas::check_quota(parsed.entity, op.key, 0)) {
                out.error = err;
                return out;
            }
            out.values.erase(op.key);
            continue;
        }
        if (auto err = quotas::check_quota(parsed.entity, op.key, op.value)) {
            out.error = err;
            return out;
        }
        out.values[op.key] = op.value;
    }
    return out;
}

}  // namespace

handler_result handle_alter_client_quotas(broker& b, request& req) {
    request_t body;
    if (!decode_body(req, body)) return handler_result::close();
    auto response = std::make_shared<response_t>();
    // As Kafka: ALTER_CONFIGS on the cluster, else every entry is refused.
    const bool allowed = cluster_authorized(b, req, acl_operation::alter_configs);
    replication::record_changes changes;
    std::vector<size_t> written;  // entries whose change goes to the store
    for (size_t i = 0; i < body.entries.size(); ++i) {
        const auto& e = body.entries[i];
        auto& out = response->entries.emplace_back();
        for (const auto& c : e.entity) out.entity.push_back({c.entity_type, c.entity_name, {}});
        if (!allowed) {
            out.error_code = to_wire(error_code::cluster_authorization_failed);
            continue;
        }
        checked_entry checked = check_entry(b.quotas(), e);
        if (!checked.error && changes.contains(checked.key)) checked.error = "The entity appears twice in the request";
        if (checked.error) {
            out.error_code = to_wire(error_code::invalid_request);
            out.error_message = checked.error;
            continue;
        }
        if (body.validate_only) continue;
        changes[checked.key] = checked.values.empty() ? std::nullopt
                                                      : std::optional<std::string>(quotas::values_to_json(checked.values));
        written.push_back(i);
    }
    if (changes.empty()) return respond_with(req, *response);
    const int16_t version = req.api_version;
    return handler_result::later([&b, response, written, version,
                                  changes = std::move(changes)](respond_fn respond) mutable {
        b.metadata().update_records(std::string(quotas::record_kind), std::move(changes), b.io().get_executor(),
                                    [&b, response, written, version,
                                     respond = std::move(respond)](replication::op_result r) {
                                        if (r.ok()) b.quotas().reload();
                                        for (size_t i : written) {
                                            response->entries[i].error_code = to_wire(r.code);
                                            if (!r.ok()) response->entries[i].error_message = r.message;
                                        }
                                        protocol::writer w;
                                        response->encode(w, version);
                                        respond(std::move(w));
                                    });
    });
}

}  // namespace sluice::broker

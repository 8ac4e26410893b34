// Metadata: brokers, the controller, and topics with their partitions; may
// auto-create requested topics.
#include "broker/handlers/metadata.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>

#include "broker/broker.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"
#include "broker/handlers/in_order.h"
#include "broker/handlers/metadata_access.h"
#include "broker/topics/topic_registry.h"
#include "replication/metadata_store.h"
#include "replication/topic_name.h"

namespace sluice::broker {

using protocol::error_code;
using protocol::to_wire;
using response_t = protocol::metadata_response;

namespace {

// A partition as the controller last decided it; offline replicas are those
// whose broker is not live.
response_t::metadata_response_partition cluster_partition(const replication::partition_registration& reg,
                                                          int32_t index, const std::set<int32_t>& live) {
    response_t::metadata_response_partition part;
    part.partition_index = index;
    part.leader_id = reg.leader;
    part.leader_epoch = reg.leader_epoch;
    part.replica_nodes = reg.replicas;
    part.isr_nodes = reg.isr;
    for (int32_t r : reg.replicas) {
        if (!live.contains(r)) part.offline_replicas.push_back(r);
    }
    if (reg.leader == replication::no_leader) part.error_code = to_wire(error_code::leader_not_available);
    return part;
}

response_t::metadata_response_topic describe_topic(const metadata_view& view, const topic_state& t) {
    response_t::metadata_response_topic out;
    out.name = t.meta.name;
    out.topic_id = t.meta.topic_id;
    out.is_internal = t.internal();
    if (view.cluster != nullptr) {
        std::set<int32_t> live;
        for (const auto& n : view.cluster->live_brokers()) live.insert(n.id.value());
        auto states = view.cluster->partition_states(t.meta.name);
        for (const auto& p : t.partitions) {
            if (static_cast<size_t>(p->index) >= states.size()) continue;  // not yet in the mirror
            out.partitions.push_back(cluster_partition(states[static_cast<size_t>(p->index)], p->index, live));
        }
        return out;
    }
    for (const auto& p : t.partitions) {
        response_t::metadata_response_partition part;
        part.partition_index = p->index;
        part.leader_id = view.node_id;
        part.leader_epoch = 0;
        part.replica_nodes = {view.node_id};
        part.isr_nodes = {view.node_id};
        out.partitions.push_back(std::move(part));
    }
    return out;
}

response_t::metadata_response_topic topic_error(std::optional<std::string> name, protocol::uuid id, error_code e) {
    response_t::metadata_response_topic out;
    out.name = std::move(name);
    out.topic_id = id;
    out.error_code = to_wire(e);
    return out;
}

}  // namespace

response_t answer_metadata(const protocol::metadata_request& body, int16_t version, const metadata_view& view) {
    response_t response;
    response_t::metadata_response_broker me;
    me.node_id = view.node_id;
    me.host = view.self.host;
    me.port = view.self.port;
    response.cluster_id = view.cluster_id;
    response.controller_id = view.node_id;
    if (view.cluster != nullptr) {
        for (const auto& n : view.cluster->live_brokers()) {
            if (n.id.value() == view.node_id) {
                me.rack = n.rack;
                continue;
            }
            auto at = endpoint_of(n, view.listener);
            if (!at) continue;
            response_t::metadata_response_broker other;
            other.node_id = n.id.value();
            other.host = at->host;
            other.port = at->port;
            other.rack = n.rack;
            response.brokers.push_back(std::move(other));
        }
        // Between two controllers (a moment at startup, or after one went)
        // name this broker, as a KRaft broker names a live one: any broker
        // takes admin requests here, and a client shown -1 may wait for a
        // controller until its request times out (librdkafka does).
        auto controller = view.cluster->controller_id();
        response.controller_id = controller ? controller->value() : view.node_id;
    }
    response.brokers.insert(response.brokers.begin(), me);

    // v0: an empty list means every topic; v1+: null means every topic.
    bool all_topics = !body.topics || (version == 0 && body.topics->empty());
    bool allow_create = body.allow_auto_topic_creation;
    metadata_access access(view);
    if (body.include_cluster_authorized_operations && version >= 8 && version <= 10) {
        response.cluster_authorized_operations = access.cluster_operations();
    }
    auto described = [&](const topic_state& t) {
        auto out = describe_topic(view, t);
        if (body.include_topic_authorized_operations && version >= 8) {
            out.topic_authorized_operations = access.topic_operations(t.meta.name);
        }
        return out;
    };
    if (all_topics) {
        for (const auto& [name, t] : view.topics.all()) {
            if (access.may_describe(name)) response.topics.push_back(described(*t));
        }
        return response;
    }
    for (const auto& wanted : *body.topics) {
        topic_state* t = nullptr;
        if (wanted.name) {
            if (!replication::validate_topic_name(*wanted.name).ok()) {
                response.topics.push_back(topic_error(wanted.name, {}, error_code::invalid_topic_exception));
                continue;
            }
            if (!access.may_describe(*wanted.name)) {
                response.topics.push_back(topic_error(wanted.name, {}, error_code::topic_authorization_failed));
                continue;
            }
            t = view.topics.find(*wanted.name);
            if (t == nullptr && allow_create && view.auto_create && !access.may_create(*wanted.name)) {
                response.topics.push_back(topic_error(wanted.name, {}, error_code::topic_authorization_failed));
                continue;
            }
            if (t == nullptr && allow_create && view.auto_create) {
                error_code e = view.auto_create(*wanted.name);
                if (e != error_code::none) {
                    response.topics.push_back(topic_error(wanted.name, {}, e));
                    continue;
                }
                t = view.topics.find(*wanted.name);
            }
            if (t == nullptr) {
                response.topics.push_back(topic_error(wanted.name, {}, error_code::unknown_topic_or_partition));
                continue;
            }
        } else {
            t = view.topics.find(wanted.topic_id);
            if (t == nullptr) {
                response.topics.push_back(topic_error(std::nullopt, wanted.topic_id, error_code::unknown_topic_id));
                continue;
            }
            if (!access.may_describe(t->meta.name)) {
                response.topics.push_back(
                    topic_error(std::nullopt, wanted.topic_id, error_code::topic_authorization_failed));
                continue;
            }
        }
        response.topics.push_back(described(*t));
    }
    return response;
}

namespace {

// The requested topics that answer_metadata would auto-create.
std::vector<std::string> missing_topics(broker& b, const request& req, const protocol::metadata_request& body,
                                        int16_t version) {
    std::vector<std::string> missing;
    const auto& auth = b.authorizer();
    bool all_topics = !body.topics || (version == 0 && body.topics->empty());
    if (all_topics || !body.allow_auto_topic_creation) return missing;
    for (const auto& wanted : *body.topics) {
        if (!wanted.name || !replication::validate_topic_name(*wanted.name).ok()) continue;
        if (b.topics().find(*wanted.name) != nullptr) continue;
        if (auth.enabled() && !(topic_authorized(b, req, acl_operation::describe, *wanted.name) &&
                                create_topic_authorized(b, req, *wanted.name))) {
            continue;
        }
        if (std::find(missing.begin(), missing.end(), *wanted.name) == missing.end()) missing.push_back(*wanted.name);
    }
    return missing;
}

}  // namespace

handler_result handle_metadata(broker& b, request& req) {
    auto body = std::make_shared<protocol::metadata_request>();
    if (!decode_body(req, *body)) return handler_result::close();
    int16_t version = req.api_version;
    // What each auto-creation answered; answer_metadata reads it back.
    using outcomes = std::map<std::string, error_code>;
    auto who = req.origin;  // kept alive for the requester's views
    auto answer = [&b, body, version, who](const outcomes& created) {
        metadata_view view{b.topics(),
                           b.config().node_id,
                           advertised_endpoint(b, who->listener),
                           b.metadata().cluster_id(),
                           [&created](const std::string& topic) {
                               auto it = created.find(topic);
                               return it == created.end() ? error_code::unknown_topic_or_partition : it->second;
                           },
                           b.config().metadata_etcd_endpoints ? &b.metadata() : nullptr,
                           b.authorizer().enabled() ? &b.authorizer() : nullptr,
                           {who->principal, who->client_host},
                           who->listener};
        protocol::writer w;
        answer_metadata(*body, version, view).encode(w, version);
        return w;
    };
    auto missing = std::make_shared<std::vector<std::string>>(missing_topics(b, req, *body, version));
    if (missing->empty()) {
        handler_result result;
        result.body = answer({});
        return result;
    }
    // Creation goes through the metadata store: answer once it is done.
    return handler_result::later([&b, missing, answer](respond_fn respond) {
        run_in_order<error_code>(
            missing->size(),
            [&b, missing](size_t i, std::function<void(error_code)> done) {
                auto_create_topic(b, (*missing)[i], std::move(done));
            },
            [missing, answer, respond](std::vector<error_code> codes) {
                outcomes created;
                for (size_t i = 0; i < codes.size(); ++i) created[(*missing)[i]] = codes[i];
                respond(answer(created));
            });
    });
}

}  // namespace sluice::broker

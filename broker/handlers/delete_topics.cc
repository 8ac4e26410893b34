// DeleteTopics: by name (all versions) or by topic id (v6+), one after
// another through the metadata store; the answer goes once all are done.
#include "protocol/generated/delete_topics.h"

#include <algorithm>
#include <memory>

#include "broker/broker.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"
#include "broker/handlers/in_order.h"
#include "broker/quotas/mutation_quota.h"
#include "broker/topics/topic_registry.h"

namespace sluice::broker {

using protocol::error_code;
using protocol::to_wire;
using response_t = protocol::delete_topics_response;
using result_t = response_t::deletable_topic_result;

namespace {

struct wanted_topic {
    std::optional<std::string> name;
    protocol::uuid id;
    bool denied = false;  // no DELETE on the topic (Kafka checks before existence)
};

void delete_one(broker& b, const wanted_topic& wanted, std::shared_ptr<quotas::mutation_quota> quota,
                std::function<void(result_t)> done) {
    result_t out;
    out.name = wanted.name;
    out.topic_id = wanted.id;
    topic_state* t = wanted.name ? b.topics().find(*wanted.name) : b.topics().find(wanted.id);
    if (wanted.denied) {
        out.error_code = to_wire(error_code::topic_authorization_failed);
        return done(std::move(out));
    }
    if (t == nullptr) {
        out.error_code = to_wire(wanted.name ? error_code::unknown_topic_or_partition : error_code::unknown_topic_id);
        return done(std::move(out));
    }
    if (!b.config().delete_topic_enable) {
        out.error_code = to_wire(error_code::topic_deletion_disabled);
        return done(std::move(out));
    }
    out.name = t->meta.name;
    out.topic_id = t->meta.topic_id;
    if (quota->refuses_next(now_ms())) {
        out.error_code = to_wire(error_code::throttling_quota_exceeded);
        out.error_message = "The throttling quota has been exceeded.";
        return done(std::move(out));
    }
    std::string topic_name = t->meta.name;  // `t` dies with the topic
    const int32_t partitions = t->meta.partition_count;
    b.topics().remove(topic_name, [out = std::move(out), quota, partitions, done = std::move(done)](op_result result) mutable {
        out.error_code = to_wire(result.code);
        if (result.ok()) quota->record(partitions, now_ms());
        if (!result.ok()) out.error_message = result.message;
        done(std::move(out));
    });
}

}  // namespace

handler_result handle_delete_topics(broker& b, request& req) {
    protocol::delete_topics_request body;
    if (!decode_body(req, body)) return handler_result::close();
    auto wanted = std::make_shared<std::vector<wanted_topic>>();
    if (req.api_version < 6) {
        for (const auto& name : body.topic_names) wanted->push_back({name, {}});
    } else {
        for (const auto& t : body.topics) wanted->push_back({t.name, t.topic_id});
    }
    int16_t version = req.api_version;
    for (auto& w : *wanted) {
        const topic_state* t = w.name ? nullptr : b.topics().find(w.id);
        if (w.name) {
            w.denied = !topic_authorized(b, req, acl_operation::remove, *w.name);
        } else if (t != nullptr) {
            w.denied = !topic_authorized(b, req, acl_operation::remove, t->meta.name);
        }
    }
    // KIP-599: v5+ knows THROTTLING_QUOTA_EXCEEDED.
    auto quota = std::make_shared<quotas::mutation_quota>(b.quotas(), req.origin->principal, req.client_id, version >= 5);
    int32_t* throttle_out = req.throttle_ms;
    return handler_result::later([&b, wanted, version, quota, throttle_out](respond_fn respond) {
        run_in_order<result_t>(
            wanted->size(),
            [&b, wanted, quota](size_t i, std::function<void(result_t)> done) {
                delete_one(b, (*wanted)[i], quota, std::move(done));
            },
            [version, respond, quota, throttle_out](std::vector<result_t> results) {
                response_t response;
                response.throttle_time_ms = quota->throttle_ms();
                if (throttle_out != nullptr) *throttle_out = std::max(*throttle_out, quota->throttle_ms());
                response.responses = std::move(results);
                protocol::writer w;
                response.encode(w, version);
                respond(std::move(w));
            });
    });
}

}  // namespace sluice::broker

// InitProducerId: see init_producer_id.h.
#include "broker/handlers/init_producer_id.h"

#include "broker/broker.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"
#include "broker/handlers/txn_errors.h"
#include "broker/txn/coordinator.h"
#include "broker/txn/producer_id_manager.h"

namespace sluice::broker {

using protocol::error_code;
using response_t = protocol::init_producer_id_response;

namespace {

constexpr int64_t no_producer_id = -1;
constexpr int16_t no_producer_epoch = -1;

response_t refusal(error_code code) {
    response_t r;
    r.error_code = protocol::to_wire(code);
    r.producer_id = no_producer_id;
    r.producer_epoch = no_producer_epoch;
    return r;
}

// Kafka: WRITE on the transactional id; without one, IDEMPOTENT_WRITE on
// the cluster or WRITE on some topic.
error_code access_error(broker& b, const request& req, const protocol::init_producer_id_request& body) {
    if (!b.authorizer().enabled()) return error_code::none;
    if (body.transactional_id) {
        return transactional_id_authorized(b, req, acl_operation::write, *body.transactional_id)
                   ? error_code::none
                   : error_code::transactional_id_authorization_failed;
    }
    if (cluster_authorized(b, req, acl_operation::idempotent_write)) return error_code::none;
    if (b.authorizer().authorize_any(requester_of(req), acl_operation::write, security::resource_type::topic)) {
        return error_code::none;
    }
    return error_code::cluster_authorization_failed;
}

}  // namespace

void answer_init_producer_id(const protocol::init_producer_id_request& body, txn::producer_id_manager& ids,
                             std::function<void(response_t)> done) {
    // Both or neither: a producer resuming names its id and epoch together.
    if ((body.producer_id == no_producer_id) != (body.producer_epoch == no_producer_epoch)) {
        return done(refusal(error_code::invalid_request));
    }
    if (body.transactional_id) {
        // Kafka's clients never send an empty one; its coordinator refuses it.
        if (body.transactional_id->empty()) return done(refusal(error_code::invalid_request));
        return done(refusal(error_code::transactional_id_authorization_failed));
    }
    ids.next_id([done = std::move(done)](error_code error, protocol::producer_id id) {
        if (error != error_code::none) return done(refusal(error));
        response_t r;
        r.producer_id = id.value();
        r.producer_epoch = 0;
        done(r);
    });
}

handler_result handle_init_producer_id(broker& b, request& req) {
    protocol::init_producer_id_request body;
    if (!decode_body(req, body)) return handler_result::close();
    int16_t version = req.api_version;
    if (auto refused = access_error(b, req, body); refused != error_code::none) {
        return respond_with(req, refusal(refused));
    }
    return handler_result::later([&b, body = std::move(body), version](respond_fn respond) {
        auto send = [version, respond = std::move(respond)](response_t r) {
            protocol::writer w;
            r.encode(w, version);
            respond(std::move(w));
        };
        const bool both_or_neither = (body.producer_id == no_producer_id) == (body.producer_epoch == no_producer_epoch);
        if (!body.transactional_id || body.transactional_id->empty() || !both_or_neither) {
            return answer_init_producer_id(body, b.producer_ids(), std::move(send));
        }
        std::optional<txn::pid_and_epoch> expected;
        if (body.producer_id != no_producer_id) {
            expected = txn::pid_and_epoch{protocol::producer_id(body.producer_id),
                                          protocol::producer_epoch(body.producer_epoch)};
        }
        b.transactions().init_producer_id(
            *body.transactional_id, body.transaction_timeout_ms, expected,
            [version, send = std::move(send)](error_code e, protocol::producer_id id, protocol::producer_epoch epoch) {
                if (e != error_code::none) return send(refusal(fenced_for_version(e, version, 4)));
                response_t r;
                r.producer_id = id.value();
                r.producer_epoch = epoch.value();
                send(r);
            });
    });
}

}  // namespace sluice::broker

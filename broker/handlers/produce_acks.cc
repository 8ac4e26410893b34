#include "broker/handlers/produce_acks.h"

#include <chrono>

#include "broker/broker.h"
#include "broker/topics/topic_registry.h"

namespace sluice::broker {

using protocol::error_code;
using protocol::to_wire;

acks_outcome check_acks(const topic_state& topic, const partition_state& p, int64_t required) {
    const replication::leader_state* ls = p.replica.leader();
    if (ls == nullptr) return acks_outcome::not_leader;
    switch (ls->check_acks(protocol::offset(required), topic.settings.min_insync_replicas)) {
        case replication::leader_state::ack::waiting:
            return acks_outcome::waiting;
        case replication::leader_state::ack::not_enough_replicas_after_append:
            return acks_outcome::not_enough_replicas_after_append;
        case replication::leader_state::ack::done:
            break;
    }
    return acks_outcome::done;
}

pending_produce::pending_produce(broker& b, response_t response, int16_t version)
    : b_(b), response_(std::move(response)), version_(version), timer_(b.io()) {}

void pending_produce::add(size_t topic_index, size_t partition_index, partition_ref ref, int64_t required) {
    entry& e = entries_.emplace_back();
    e.out = &response_.responses.at(topic_index).partition_responses.at(partition_index);
    e.ref = std::move(ref);
    e.required = required;
    e.node.set_wake(&pending_produce::on_wake, this);
}

void pending_produce::start(respond_fn respond, int32_t timeout_ms) {
    respond_ = std::move(respond);
    if (settle()) return finish();
    arm();
    timer_.expires_after(std::chrono::milliseconds(std::max(timeout_ms, 0)));
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (ec || self->done_) return;
        for (entry& e : self->entries_) {
            if (!e.settled) e.out->error_code = to_wire(error_code::request_timed_out);
        }
        self->finish();
    });
}

void pending_produce::on_wake(void* context) {
    // Held for the call: answering may drop every other reference.
    auto self = static_cast<pending_produce*>(context)->shared_from_this();
    if (self->done_) return;
    if (self->settle()) return self->finish();
    self->arm();
}

bool pending_produce::settle() {
    bool all = true;
    for (entry& e : entries_) {
        if (e.settled) continue;
        e.node.unlink();
        partition_state* p = find_live(b_.topics(), e.ref);
        topic_state* t = b_.topics().find(e.ref.topic);
        // A topic deleted (or re-created) meanwhile: its records are gone.
        acks_outcome outcome = p == nullptr || t == nullptr ? acks_outcome::not_leader : check_acks(*t, *p, e.required);
        switch (outcome) {
            case acks_outcome::waiting:
                all = false;
                continue;
            case acks_outcome::done:
                break;
            case acks_outcome::not_enough_replicas_after_append:
                e.out->error_code = to_wire(error_code::not_enough_replicas_after_append);
                break;
            case acks_outcome::not_leader:
                e.out->error_code = to_wire(error_code::not_leader_or_follower);
                break;
        }
        e.settled = true;
    }
    return all;
}

void pending_produce::arm() {
    for (entry& e : entries_) {
        if (e.settled) continue;
        if (partition_state* p = find_live(b_.topics(), e.ref)) p->waiters.add(e.node);
    }
}

void pending_produce::finish() {
    done_ = true;
    timer_.cancel();
    for (entry& e : entries_) e.node.unlink();
    protocol::writer w;
    response_.encode(w, version_);
    respond_(std::move(w));
}

}  // namespace sluice::broker

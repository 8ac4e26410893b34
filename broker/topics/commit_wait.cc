#include "broker/topics/commit_wait.h"

#include <boost/asio/steady_timer.hpp>
#include <algorithm>
#include <chrono>
#include <memory>

#include "broker/broker.h"
#include "broker/fetch/fetch_waiter.h"
#include "broker/topics/topic_registry.h"

namespace sluice::broker {

commit_state commit_state_of(const topic_state& topic, const partition_state& p, int64_t required) {
    const replication::leader_state* ls = p.replica.leader();
    if (ls == nullptr) return commit_state::not_leader;
    switch (ls->check_acks(protocol::offset(required), topic.settings.min_insync_replicas)) {
        case replication::leader_state::ack::waiting:
            return commit_state::waiting;
        case replication::leader_state::ack::not_enough_replicas_after_append:
            return commit_state::not_enough_replicas_after_append;
        case replication::leader_state::ack::done:
            break;
    }
    return commit_state::done;
}

namespace {

// A target still waiting when the wait ends has timed out.
commit_outcome outcome_of(commit_state state) {
    switch (state) {
        case commit_state::waiting:
            return commit_outcome::timed_out;
        case commit_state::not_enough_replicas_after_append:
            return commit_outcome::not_enough_replicas_after_append;
        case commit_state::not_leader:
            return commit_outcome::not_leader;
        case commit_state::done:
            break;
    }
    return commit_outcome::committed;
}

class commit_waiter : public std::enable_shared_from_this<commit_waiter> {
public:
    using done_fn = std::function<void(std::vector<commit_outcome>)>;

    commit_waiter(broker& b, std::vector<commit_target> targets, done_fn done)
        : b_(b),
          targets_(std::move(targets)),
          states_(targets_.size(), commit_state::waiting),
          nodes_(targets_.size()),
          done_(std::move(done)),
          timer_(b.io()) {
        for (fetch_waiter& node : nodes_) node.set_wake(&commit_waiter::on_wake, this);
    }

    void start(int32_t timeout_ms) {
        if (settle()) return finish();
        timer_.expires_after(std::chrono::milliseconds(std::max(timeout_ms, 0)));
        timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (!ec) self->finish();
        });
        // The nodes keep no reference: the timer's handler keeps this alive.
    }

private:
    static void on_wake(void* context) {
        // Held for the call: answering may drop every other reference.
        auto self = static_cast<commit_waiter*>(context)->shared_from_this();
        if (!self->done_) return;
        if (self->settle()) self->finish();
    }

    // Settles what can be and parks the rest again; true when nothing waits.
    bool settle() {
        bool all = true;
        for (size_t i = 0; i < targets_.size(); ++i) {
            if (states_[i] != commit_state::waiting) continue;
            nodes_[i].unlink();
            partition_state* p = find_live(b_.topics(), targets_[i].ref);
            topic_state* t = b_.topics().find(targets_[i].ref.topic);
            states_[i] = p == nullptr || t == nullptr ? commit_state::not_leader
                                                      : commit_state_of(*t, *p, targets_[i].required);
            if (states_[i] == commit_state::waiting) {
                p->waiters.add(nodes_[i]);
                all = false;
            }
        }
        return all;
    }

    void finish() {
        if (!done_) return;
        timer_.cancel();
        for (fetch_waiter& node : nodes_) node.unlink();
        auto done = std::move(done_);
        done_ = nullptr;
        std::vector<commit_outcome> outcomes;
        outcomes.reserve(states_.size());
        for (commit_state state : states_) outcomes.push_back(outcome_of(state));
        done(std::move(outcomes));
    }

    broker& b_;
    std::vector<commit_target> targets_;
    std::vector<commit_state> states_;
    std::vector<fetch_waiter> nodes_;  // never resized: the nodes are linked
    done_fn done_;
    boost::asio::steady_timer timer_;
};

}  // namespace

void await_commits(broker& b, std::vector<commit_target> targets, int32_t timeout_ms,
                   std::function<void(std::vector<commit_outcome>)> done) {
    auto waiter = std::make_shared<commit_waiter>(b, std::move(targets), std::move(done));
    waiter->start(timeout_ms);
}

void await_commit(broker& b, partition_ref ref, int64_t required, int32_t timeout_ms,
                  std::function<void(commit_outcome)> done) {
    std::vector<commit_target> targets;
    targets.push_back({std::move(ref), required});
    await_commits(b, std::move(targets), timeout_ms,
                  [done = std::move(done)](std::vector<commit_outcome> outcomes) { done(outcomes.front()); });
}

protocol::error_code acks_all_error(commit_outcome outcome) {
    switch (outcome) {
        case commit_outcome::committed:
            return protocol::error_code::none;
        case commit_outcome::timed_out:
            return protocol::error_code::request_timed_out;
        case commit_outcome::not_enough_replicas_after_append:
            return protocol::error_code::not_enough_replicas_after_append;
        case commit_outcome::not_leader:
            return protocol::error_code::not_leader_or_follower;
    }
    return protocol::error_code::unknown_server_error;
}

}  // namespace sluice::broker

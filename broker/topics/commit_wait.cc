#include "broker/topics/commit_wait.h"

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>

#include "broker/broker.h"
#include "broker/fetch/fetch_waiter.h"
#include "broker/topics/topic_registry.h"

namespace sluice::broker {

namespace {

class commit_waiter : public std::enable_shared_from_this<commit_waiter> {
public:
    commit_waiter(broker& b, partition_ref ref, int64_t required, std::function<void(commit_outcome)> done)
        : b_(b), ref_(std::move(ref)), required_(required), done_(std::move(done)), timer_(b.io()) {
        node_.set_wake(&commit_waiter::on_wake, this);
    }

    void start(int32_t timeout_ms) {
        if (settle()) return;
        timer_.expires_after(std::chrono::milliseconds(std::max(timeout_ms, 0)));
        timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (!ec) self->finish(commit_outcome::timed_out);
        });
        // The node keeps no reference: the timer's handler keeps this alive.
    }

private:
    static void on_wake(void* context) {
        auto self = static_cast<commit_waiter*>(context)->shared_from_this();
        self->settle();
    }

    // Finishes when the outcome is known; otherwise parks again.
    bool settle() {
        if (!done_) return true;
        partition_state* p = find_live(b_.topics(), ref_);
        topic_state* t = b_.topics().find(ref_.topic);
        const replication::leader_state* ls = p == nullptr || t == nullptr ? nullptr : p->replica.leader();
        if (ls == nullptr) {
            finish(commit_outcome::not_leader);
            return true;
        }
        switch (ls->check_acks(protocol::offset(required_), t->settings.min_insync_replicas)) {
            case replication::leader_state::ack::waiting:
                p->waiters.add(node_);
                return false;
            case replication::leader_state::ack::not_enough_replicas_after_append:
                finish(commit_outcome::not_enough_replicas_after_append);
                return true;
            case replication::leader_state::ack::done:
                break;
        }
        finish(commit_outcome::committed);
        return true;
    }

    void finish(commit_outcome outcome) {
        if (!done_) return;
        node_.unlink();
        timer_.cancel();
        auto done = std::move(done_);
        done_ = nullptr;
        done(outcome);
    }

    broker& b_;
    partition_ref ref_;
    int64_t required_;
    std::function<void(commit_outcome)> done_;
    boost::asio::steady_timer timer_;
    fetch_waiter node_;
};

}  // namespace

void await_commit(broker& b, partition_ref ref, int64_t required, int32_t timeout_ms,
                  std::function<void(commit_outcome)> done) {
    auto waiter = std::make_shared<commit_waiter>(b, std::move(ref), required, std::move(done));
    waiter->start(timeout_ms);
}

}  // namespace sluice::broker

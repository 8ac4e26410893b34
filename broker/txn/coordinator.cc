// The transaction coordinator's requests and writes (coordinator.h). Which
// partitions it serves, loading and the ticker are in coordinator_partitions.cc.
#include "broker/txn/coordinator.h"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "broker/broker.h"
#include "broker/groups/offsets_topic.h"
#include "broker/topics/commit_wait.h"
#include "broker/topics/partition_leader.h"
#include "broker/topics/partition_ref.h"
#include "broker/topics/topic_registry.h"
#include "broker/txn/producer_id_manager.h"
#include "log/partition_log.h"

namespace sluice::broker::txn {

namespace {

constexpr auto complete_retry = std::chrono::milliseconds(500);

// Kafka's TransactionStateManager turns append errors into these.
error_code write_error(commit_outcome o) {
    return o == commit_outcome::not_leader ? error_code::not_coordinator : error_code::coordinator_not_available;
}

}  // namespace

txn_metadata* coordinator::find(const std::string& transactional_id) {
    auto it = txns_.find(transactional_id);
    return it == txns_.end() ? nullptr : &it->second;
}

void coordinator::persist(const std::string& id, std::optional<txn_metadata> next, error_callback done) {
    if (ensure_topic() != error_code::none) return done(error_code::coordinator_not_available);
    topic_state* topic = broker_.topics().find(txn_topic_name);
    const int32_t partition = partition_of(id);
    partition_state& p = *topic->partitions[static_cast<size_t>(partition)];
    const replication::leader_state* leader = p.replica.leader();
    if (leader == nullptr) return done(error_code::not_coordinator);
    if (static_cast<int32_t>(leader->isr().size()) < topic->settings.min_insync_replicas) {
        return done(error_code::coordinator_not_available);
    }
    const int64_t now = now_ms();
    std::vector<groups::keyed_value> records;
    records.push_back({txn_key(id), next ? std::optional(txn_value(*next)) : std::nullopt});
    protocol::bytes batch = groups::build_offsets_batch(records, now);
    log::append_result appended = p.log->append(std::span<uint8_t>(batch), p.replica.epoch().value(), now);
    if (appended.error != error_code::none) {
        spdlog::error("writing transactional id {} to {}-{} failed: {}", id, txn_topic_name, partition,
                      protocol::error_name(appended.error));
        return done(error_code::coordinator_not_available);
    }
    on_leader_append(p);
    broker_.flush_if_due(std::string(txn_topic_name), partition);
    if (txn_metadata* m = find(id)) m->pending = true;
    const int32_t epoch = coordinator_epoch(partition);
    await_commit(broker_, ref_of(std::string(txn_topic_name), p), p.log->log_end_offset(), settings_.write_timeout_ms,
                 [this, alive = std::weak_ptr<bool>(alive_), id, next = std::move(next), partition, epoch,
                  done = std::move(done)](commit_outcome outcome) {
                     if (alive.expired()) return;
                     if (txn_metadata* m = find(id)) m->pending = false;
                     if (outcome != commit_outcome::committed) return done(write_error(outcome));
                     // The partition was lost (and perhaps regained) meanwhile:
                     // whoever loaded it since has the truth.
                     if ((settings_.cluster && !loaded_.contains(partition)) || coordinator_epoch(partition) != epoch) {
                         return done(error_code::not_coordinator);
                     }
                     if (next) {
                         txns_[id] = *next;
                     } else {
                         txns_.erase(id);
                     }
                     done(error_code::none);
                 });
}

// ---- InitProducerId ----

void coordinator::init_producer_id(const std::string& id, int32_t timeout_ms, std::optional<pid_and_epoch> expected,
                                   init_callback done) {
    if (error_code e = check_timeout(timeout_ms, settings_.max_timeout_ms); e != error_code::none) {
        return done(e, no_producer_id, no_producer_epoch);
    }
    if (error_code e = serving(id); e != error_code::none) return done(e, no_producer_id, no_producer_epoch);
    if (find(id) != nullptr) return init_with(id, timeout_ms, expected, std::move(done));
    broker_.producer_ids().next_id([this, alive = std::weak_ptr<bool>(alive_), id, timeout_ms, expected,
                                    done = std::move(done)](error_code error, producer_id pid) {
        if (alive.expired()) return;
        if (error != error_code::none) return done(error, no_producer_id, no_producer_epoch);
        if (error_code e = serving(id); e != error_code::none) return done(e, no_producer_id, no_producer_epoch);
        if (find(id) == nullptr) {
            // As Kafka: a new id starts Empty at no epoch; the first bump
            // makes it epoch 0.
            txn_metadata m;
            m.transactional_id = id;
            m.pid = pid;
            m.timeout_ms = timeout_ms;
            m.update_ms = now_ms();
            txns_.emplace(id, std::move(m));
        }
        init_with(id, timeout_ms, expected, done);
    });
}

void coordinator::init_with(const std::string& id, int32_t timeout_ms, std::optional<pid_and_epoch> expected,
                            init_callback done) {
    txn_metadata& m = *find(id);
    const init_decision d = decide_init(m, expected);
    switch (d.what) {
        case init_decision::action::refuse:
            return done(d.error, no_producer_id, no_producer_epoch);
        case init_decision::action::fence_and_abort:
            // The client retries once the abort is written, and then gets
            // its own bump.
            return fence_and_abort(id, [done = std::move(done)](error_code e) {
                done(e == error_code::none ? error_code::concurrent_transactions : e, no_producer_id,
                     no_producer_epoch);
            });
        case init_decision::action::bump_epoch: {
            txn_metadata next = after_init(m, d, timeout_ms, now_ms());
            return persist(id, next, [next, done = std::move(done)](error_code e) {
                if (e != error_code::none) return done(e, no_producer_id, no_producer_epoch);
                done(e, next.pid, next.epoch);
            });
        }
        case init_decision::action::new_producer_id:
            m.pending = true;  // until the new id is written
            broker_.producer_ids().next_id([this, alive = std::weak_ptr<bool>(alive_), id, timeout_ms, expected,
                                            done = std::move(done)](error_code error, producer_id pid) {
                if (alive.expired()) return;
                txn_metadata* m = find(id);
                if (m == nullptr) return done(error_code::not_coordinator, no_producer_id, no_producer_epoch);
                m->pending = false;
                if (error != error_code::none) return done(error, no_producer_id, no_producer_epoch);
                txn_metadata next = after_rotation(*m, pid, expected.has_value(), timeout_ms, now_ms());
                persist(id, next, [next, done](error_code e) {
                    if (e != error_code::none) return done(e, no_producer_id, no_producer_epoch);
                    done(e, next.pid, next.epoch);
                });
            });
            return;
    }
}

// ---- AddPartitionsToTxn / AddOffsetsToTxn ----

void coordinator::add_partitions(const std::string& id, producer_id pid, producer_epoch epoch,
                                 std::vector<topic_partition> partitions, error_callback done) {
    if (error_code e = serving(id); e != error_code::none) return done(e);
    txn_metadata* m = find(id);
    if (m == nullptr) return done(error_code::invalid_producer_id_mapping);
    bool write = false;
    if (error_code e = check_add_partitions(*m, pid, epoch, partitions, write); e != error_code::none || !write) {
        return done(e);
    }
    persist(id, after_add_partitions(*m, partitions, now_ms()), std::move(done));
}

error_code coordinator::verify_partitions(const std::string& id, producer_id pid, producer_epoch epoch,
                                          const std::vector<topic_partition>& partitions,
                                          std::vector<error_code>& out) {
    if (error_code e = serving(id); e != error_code::none) return e;
    txn_metadata* m = find(id);
    if (m == nullptr) return error_code::invalid_producer_id_mapping;
    if (error_code e = check_verify(*m, pid, epoch); e != error_code::none) return e;
    out.clear();
    for (const auto& tp : partitions) {
        out.push_back(m->partitions.contains(tp) ? error_code::none : error_code::invalid_txn_state);
    }
    return error_code::none;
}

// ---- EndTxn ----

void coordinator::end_txn(const std::string& id, producer_id pid, producer_epoch epoch, bool commit,
                          error_callback done) {
    if (error_code e = serving(id); e != error_code::none) return done(e);
    txn_metadata* m = find(id);
    if (m == nullptr) return done(error_code::invalid_producer_id_mapping);
    bool write = false;
    if (error_code e = check_end(*m, pid, epoch, commit, write); e != error_code::none || !write) return done(e);
    persist(id, after_prepare(*m, commit, now_ms()), [this, id, done = std::move(done)](error_code e) {
        // The client hears once the decision is safe; markers follow.
        done(e);
        if (e == error_code::none) complete(id);
    });
}

void coordinator::fence_and_abort(const std::string& id, error_callback done) {
    txn_metadata* m = find(id);
    if (m == nullptr) return done(error_code::not_coordinator);
    persist(id, after_fence(*m, now_ms()), [this, id, done = std::move(done)](error_code e) {
        done(e);
        if (e == error_code::none) complete(id);
    });
}

void coordinator::complete(const std::string& id) {
    txn_metadata* m = find(id);
    if (m == nullptr || (m->state != txn_state::prepare_commit && m->state != txn_state::prepare_abort)) return;
    const int32_t partition = partition_of(id);
    const int32_t epoch = coordinator_epoch(partition);
    txn_markers markers{m->pid, m->epoch, epoch, m->state == txn_state::prepare_commit, m->partitions};
    markers_.send(std::move(markers), [this, alive = std::weak_ptr<bool>(alive_), id, partition, epoch] {
        if (alive.expired()) return;
        txn_metadata* m = find(id);
        if (m == nullptr || m->pending || coordinator_epoch(partition) != epoch ||
            (m->state != txn_state::prepare_commit && m->state != txn_state::prepare_abort)) {
            return;
        }
        persist(id, after_complete(*m, now_ms()), [this, alive, id](error_code e) {
            if (e == error_code::none || e == error_code::not_coordinator || alive.expired()) return;
            spdlog::warn("completing transaction of {}: {}; retrying", id, protocol::error_name(e));
            auto timer = std::make_shared<boost::asio::steady_timer>(broker_.io(), complete_retry);
            timer->async_wait([this, alive, id, timer](boost::system::error_code ec) {
                if (!ec && !alive.expired()) complete(id);
            });
        });
    });
}

// ---- DescribeTransactions / ListTransactions ----

error_code coordinator::describe(const std::string& id, txn_metadata& out) {
    if (error_code e = serving(id); e != error_code::none) return e;
    const txn_metadata* m = find(id);
    if (m == nullptr) return error_code::transactional_id_not_found;
    out = *m;
    return error_code::none;
}

std::vector<txn_metadata> coordinator::list(const std::set<txn_state>& states, const std::set<int64_t>& producer_ids,
                                            int64_t min_duration_ms, int64_t now_ms) const {
    std::vector<txn_metadata> out;
    for (const auto& [id, m] : txns_) {
        if (m.state == txn_state::dead) continue;
        if (!producer_ids.empty() && !producer_ids.contains(m.pid.value())) continue;
        if (!states.empty() && !states.contains(m.state)) continue;
        if (min_duration_ms >= 0 && now_ms - m.start_ms <= min_duration_ms) continue;
        out.push_back(m);
    }
    return out;
}

// ---- Timeouts ----

void coordinator::tick(int64_t now) {
    std::vector<std::string> timed, idle;
    const bool expiry_due = now - last_expiry_check_ms_ >= settings_.expiry_check_interval_ms;
    for (const auto& [id, m] : txns_) {
        if (serving(id) != error_code::none) continue;
        if (timed_out(m, now)) timed.push_back(id);
        if (expiry_due && expired(m, now, settings_.id_expiration_ms)) idle.push_back(id);
    }
    if (expiry_due) last_expiry_check_ms_ = now;
    for (const auto& id : timed) {
        spdlog::info("aborting the timed-out transaction of {}", id);
        fence_and_abort(id, [id](error_code e) {
            if (e != error_code::none) spdlog::warn("aborting {}: {}", id, protocol::error_name(e));
        });
    }
    for (const auto& id : idle) {
        // Kafka's Dead: a tombstone; the id answers CONCURRENT_TRANSACTIONS
        // while it is written.
        persist(id, std::nullopt, [id](error_code e) {
            if (e == error_code::none) spdlog::info("transactional id {} expired", id);
        });
    }
}

}  // namespace sluice::broker::txn

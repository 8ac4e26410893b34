// The per-id checks and transitions of txn_metadata.h, following Kafka's
// TransactionCoordinator and TransactionMetadata state by state.
#include "broker/txn/txn_metadata.h"

#include <array>
#include <limits>

namespace sluice::broker::txn {

namespace {

constexpr std::array<std::string_view, 8> names{"Empty",        "Ongoing",          "PrepareCommit",
                                                "PrepareAbort", "CompleteCommit",   "CompleteAbort",
                                                "Dead",         "PrepareEpochFence"};

bool preparing(txn_state s) { return s == txn_state::prepare_commit || s == txn_state::prepare_abort; }

bool settled(txn_state s) {
    return s == txn_state::empty || s == txn_state::complete_commit || s == txn_state::complete_abort;
}

// KIP-360: a producer naming its id and epoch is fenced unless it is the
// current one, the metadata is new, or it retries after an exhausted epoch
// moved it to a new producer id.
bool valid_producer(const txn_metadata& m, const pid_and_epoch& expected) {
    return m.epoch == no_producer_epoch || expected.pid == m.pid ||
           (expected.pid == m.previous_pid && epoch_exhausted(expected.epoch));
}

}  // namespace

std::string_view state_name(txn_state s) { return names[static_cast<size_t>(s)]; }

std::optional<txn_state> state_from_name(std::string_view name) {
    for (size_t i = 0; i < names.size(); ++i) {
        if (names[i] == name) return static_cast<txn_state>(i);
    }
    return std::nullopt;
}

std::optional<txn_state> state_from_wire(int8_t status) {
    if (status < 0 || status >= static_cast<int8_t>(names.size())) return std::nullopt;
    return static_cast<txn_state>(status);
}

bool epoch_exhausted(producer_epoch e) { return e.value() >= std::numeric_limits<int16_t>::max() - 1; }

error_code check_timeout(int32_t timeout_ms, int32_t max_timeout_ms) {
    return timeout_ms <= 0 || timeout_ms > max_timeout_ms ? error_code::invalid_transaction_timeout : error_code::none;
}

init_decision decide_init(const txn_metadata& m, const std::optional<pid_and_epoch>& expected) {
    init_decision d;
    auto refuse = [&d](error_code e) {
        d.what = init_decision::action::refuse;
        d.error = e;
        return d;
    };
    if (m.pending) return refuse(error_code::concurrent_transactions);
    if (expected && !valid_producer(m, *expected)) return refuse(error_code::producer_fenced);
    if (m.state == txn_state::ongoing) {
        // The open transaction is aborted first; the client retries and then
        // gets its own bump.
        d.what = init_decision::action::fence_and_abort;
        return d;
    }
    if (!settled(m.state)) return refuse(error_code::concurrent_transactions);
    if (epoch_exhausted(m.epoch) && (!expected || expected->epoch == m.epoch)) {
        d.what = init_decision::action::new_producer_id;
        return d;
    }
    if (epoch_exhausted(m.epoch)) return refuse(error_code::producer_fenced);
    const producer_epoch bumped(static_cast<int16_t>(m.epoch.value() + 1));
    d.what = init_decision::action::bump_epoch;
    if (!expected) {
        d.epoch = bumped;
        d.last_epoch = no_producer_epoch;
    } else if (m.epoch == no_producer_epoch || expected->epoch == m.epoch) {
        d.epoch = bumped;
        d.last_epoch = m.epoch;
    } else if (expected->epoch == m.last_epoch) {
        // A retry whose answer was lost: the same epoch again.
        d.epoch = m.epoch;
        d.last_epoch = m.last_epoch;
    } else {
        return refuse(error_code::producer_fenced);
    }
    return d;
}

txn_metadata after_init(const txn_metadata& m, const init_decision& d, int32_t timeout_ms, int64_t now_ms) {
    txn_metadata next = m;
    next.epoch = d.epoch;
    next.last_epoch = d.last_epoch;
    next.timeout_ms = timeout_ms;
    next.state = txn_state::empty;
    next.partitions.clear();
    next.start_ms = -1;
    next.update_ms = now_ms;
    next.pending = false;
    return next;
}

txn_metadata after_rotation(const txn_metadata& m, producer_id new_pid, bool record_last_epoch, int32_t timeout_ms,
                            int64_t now_ms) {
    txn_metadata next = m;
    next.previous_pid = m.pid;
    next.pid = new_pid;
    next.epoch = producer_epoch(0);
    next.last_epoch = record_last_epoch ? m.epoch : no_producer_epoch;
    next.timeout_ms = timeout_ms;
    next.state = txn_state::empty;
    next.partitions.clear();
    next.start_ms = -1;
    next.update_ms = now_ms;
    next.pending = false;
    return next;
}

error_code check_producer(const txn_metadata& m, producer_id pid, producer_epoch epoch) {
    if (m.pid != pid) return error_code::invalid_producer_id_mapping;
    if (m.epoch != epoch) return error_code::producer_fenced;
    if (m.pending) return error_code::concurrent_transactions;
    return error_code::none;
}

error_code check_add_partitions(const txn_metadata& m, producer_id pid, producer_epoch epoch,
                                const std::vector<topic_partition>& partitions, bool& write) {
    write = false;
    if (error_code e = check_producer(m, pid, epoch); e != error_code::none) return e;
    if (!settled(m.state) && m.state != txn_state::ongoing) return error_code::concurrent_transactions;
    if (m.state == txn_state::ongoing) {
        for (const auto& tp : partitions) {
            if (!m.partitions.contains(tp)) write = true;
        }
        return error_code::none;
    }
    write = true;
    return error_code::none;
}

txn_metadata after_add_partitions(const txn_metadata& m, const std::vector<topic_partition>& partitions,
                                  int64_t now_ms) {
    txn_metadata next = m;
    if (m.state != txn_state::ongoing) {
        next.start_ms = now_ms;
        next.partitions.clear();
    }
    next.state = txn_state::ongoing;
    next.partitions.insert(partitions.begin(), partitions.end());
    next.update_ms = now_ms;
    next.pending = false;
    return next;
}

error_code check_verify(const txn_metadata& m, producer_id pid, producer_epoch epoch) {
    if (m.pid != pid) return error_code::invalid_producer_id_mapping;
    if (m.epoch != epoch) return error_code::producer_fenced;
    if (preparing(m.state)) return error_code::concurrent_transactions;
    return error_code::none;
}

error_code check_end(const txn_metadata& m, producer_id pid, producer_epoch epoch, bool commit, bool& write) {
    write = false;
    if (error_code e = check_producer(m, pid, epoch); e != error_code::none) return e;
    switch (m.state) {
        case txn_state::ongoing:
            write = true;
            return error_code::none;
        case txn_state::complete_commit:
            return commit ? error_code::none : error_code::invalid_txn_state;
        case txn_state::complete_abort:
            return commit ? error_code::invalid_txn_state : error_code::none;
        case txn_state::prepare_commit:
            return commit ? error_code::concurrent_transactions : error_code::invalid_txn_state;
        case txn_state::prepare_abort:
            return commit ? error_code::invalid_txn_state : error_code::concurrent_transactions;
        case txn_state::empty:
            return error_code::invalid_txn_state;
        case txn_state::dead:
        case txn_state::prepare_epoch_fence:
            return error_code::concurrent_transactions;
    }
    return error_code::invalid_txn_state;
}

txn_metadata after_prepare(const txn_metadata& m, bool commit, int64_t now_ms) {
    txn_metadata next = m;
    next.state = commit ? txn_state::prepare_commit : txn_state::prepare_abort;
    next.update_ms = now_ms;
    next.pending = false;
    return next;
}

txn_metadata after_fence(const txn_metadata& m, int64_t now_ms) {
    txn_metadata next = after_prepare(m, false, now_ms);
    if (!epoch_exhausted(m.epoch)) next.epoch = producer_epoch(static_cast<int16_t>(m.epoch.value() + 1));
    next.last_epoch = no_producer_epoch;
    return next;
}

txn_metadata after_complete(const txn_metadata& m, int64_t now_ms) {
    txn_metadata next = m;
    next.state = m.state == txn_state::prepare_commit ? txn_state::complete_commit : txn_state::complete_abort;
    next.partitions.clear();
    next.update_ms = now_ms;
    next.pending = false;
    return next;
}

bool timed_out(const txn_metadata& m, int64_t now_ms) {
    return m.state == txn_state::ongoing && !m.pending && m.start_ms + m.timeout_ms < now_ms;
}

bool expired(const txn_metadata& m, int64_t now_ms, int64_t expiration_ms) {
    return settled(m.state) && !m.pending && m.update_ms + expiration_ms <= now_ms;
}

}  // namespace sluice::broker::txn

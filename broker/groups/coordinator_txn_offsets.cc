// TxnOffsetCommit: a transactional producer's offsets for a group (Kafka's
// GroupCoordinator.handleTxnCommitOffsets). They go to `__consumer_offsets`
// in a transactional batch of the producer, are held pending, and become
// the group's committed offsets only when the transaction's COMMIT marker
// reaches that partition; an ABORT drops them. A coordinator that takes a
// partition over finds the still-open ones in its load.
#include <spdlog/spdlog.h>

#include "broker/broker.h"
#include "broker/groups/coordinator.h"
#include "broker/topics/commit_wait.h"
#include "broker/topics/partition_leader.h"
#include "broker/topics/topic_registry.h"
#include "log/partition_log.h"

namespace sluice::broker::groups {

using protocol::error_code;
using protocol::to_wire;
using response_t = protocol::txn_offset_commit_response;

error_code coordinator::admit_txn_commit(const protocol::txn_offset_commit_request& req, int16_t version, group*& g) {
    if (req.group_id.empty()) return error_code::invalid_group_id;
    if (ensure_offsets_topic() != error_code::none) return error_code::coordinator_not_available;
    if (error_code e = serving(req.group_id); e != error_code::none) return e;
    g = find(req.group_id);
    if (g == nullptr) {
        // As Kafka: a transaction may commit offsets for a group nobody has joined.
        g = groups_.emplace(req.group_id, std::make_unique<group>(req.group_id)).first->second.get();
        g->set_state(group_state::empty, now_ms());
        return error_code::none;
    }
    if (g->state() == group_state::dead) return error_code::coordinator_not_available;
    // v3+ (KIP-447) name the member, so a zombie of an old generation is fenced.
    const int32_t generation = version >= 3 ? req.generation_id : -1;
    const bool names_member = version >= 3 && (generation >= 0 || !req.member_id.empty() || req.group_instance_id);
    if (!names_member) return error_code::none;
    if (g->consumer() != nullptr) {
        // A consumer group's transactional commit names the member epoch as its generation.
        const consumer_member* m = g->consumer()->find(req.member_id);
        if (m == nullptr) return error_code::unknown_member_id;
        return generation == m->member_epoch ? error_code::none : error_code::illegal_generation;
    }
    if (fenced(*g, req.member_id, req.group_instance_id)) return error_code::fenced_instance_id;
    if (!req.member_id.empty() && g->find(req.member_id) == nullptr) return error_code::unknown_member_id;
    if (generation >= 0 && generation != g->generation()) return error_code::illegal_generation;
    return error_code::none;
}

void coordinator::commit_txn_offsets(const protocol::txn_offset_commit_request& req, int16_t version,
                                     txn_commit_callback done) {
    response_t out;
    group* g = nullptr;
    error_code refused = admit_txn_commit(req, version, g);
    const int64_t now = now_ms();
    std::vector<keyed_value> records;
    partition_offsets accepted;
    for (const auto& t : req.topics) {
        auto& topic_out = out.topics.emplace_back();
        topic_out.name = t.name;
        for (const auto& p : t.partitions) {
            auto& part = topic_out.partitions.emplace_back();
            part.partition_index = p.partition_index;
            const std::string metadata = p.committed_metadata.value_or("");
            if (refused != error_code::none) {
                part.error_code = to_wire(refused);
            } else if (broker_.topics().find(t.name, p.partition_index) == nullptr) {
                part.error_code = to_wire(error_code::unknown_topic_or_partition);
            } else if (static_cast<int32_t>(metadata.size()) > settings_.max_metadata_bytes) {
                part.error_code = to_wire(error_code::offset_metadata_too_large);
            } else {
                committed_offset c;
                c.offset = p.committed_offset;
                c.leader_epoch = version >= 2 ? p.committed_leader_epoch : -1;
                c.metadata = metadata;
                c.commit_timestamp = now;
                records.push_back({offset_commit_key(req.group_id, t.name, p.partition_index), offset_commit_value(c)});
                accepted[{t.name, p.partition_index}] = c;
            }
        }
    }
    auto fail_accepted = [](response_t& r, error_code e) {
        for (auto& t : r.topics) {
            for (auto& p : t.partitions) {
                if (p.error_code == 0) p.error_code = to_wire(e);
            }
        }
    };
    if (records.empty()) return done(std::move(out));
    topic_state* topic = broker_.topics().find(offsets_topic_name);
    const int32_t partition = offsets_partition_of(req.group_id);
    partition_state& p = *topic->partitions[static_cast<size_t>(partition)];
    if (p.replica.leader() == nullptr) {
        fail_accepted(out, error_code::not_coordinator);
        return done(std::move(out));
    }
    // Kafka writes them as the producer's own transactional batch (sequence
    // 0), appended with coordinator origin: only the producer epoch is checked.
    protocol::batch_builder_options options;
    options.producer_id = req.producer_id;
    options.producer_epoch = req.producer_epoch;
    options.base_sequence = 0;
    options.transactional = true;
    protocol::bytes batch = build_offsets_batch(records, now, options);
    auto appended = p.log->append(std::span<uint8_t>(batch), p.replica.epoch().value(), now,
                                  log::append_origin::coordinator);
    if (appended.error != error_code::none) {
        // Kafka's mapping: a stale producer epoch passes through; storage trouble is the coordinator's.
        fail_accepted(out, appended.error == error_code::invalid_producer_epoch ? appended.error
                                                                               : error_code::coordinator_not_available);
        return done(std::move(out));
    }
    on_leader_append(p);
    broker_.flush_if_due(std::string(offsets_topic_name), partition);
    await_commit(broker_, ref_of(std::string(offsets_topic_name), p), p.log->log_end_offset(),
                 settings_.commit_timeout_ms,
                 [this, alive = std::weak_ptr<bool>(alive_), group_id = req.group_id, producer = req.producer_id,
                  accepted = std::move(accepted), out = std::move(out), done = std::move(done),
                  fail_accepted](commit_outcome outcome) mutable {
                     if (alive.expired()) return;
                     if (outcome == commit_outcome::committed) {
                         auto& pending = pending_txn_offsets_[producer][group_id];
                         for (auto& [key, value] : accepted) pending[key] = std::move(value);
                     } else {
                         fail_accepted(out, outcome == commit_outcome::not_leader ? error_code::not_coordinator
                                                                                   : error_code::coordinator_not_available);
                     }
                     done(std::move(out));
                 });
}

void coordinator::complete_transaction(int32_t partition, int64_t producer, bool commit) {
    auto it = pending_txn_offsets_.find(producer);
    if (it == pending_txn_offsets_.end()) return;
    auto& by_group = it->second;
    for (auto g = by_group.begin(); g != by_group.end();) {
        if (offsets_partition_of(g->first) != partition) {
            ++g;
            continue;
        }
        if (commit) {
            group* target = find(g->first);
            if (target == nullptr) {
                target = groups_.emplace(g->first, std::make_unique<group>(g->first)).first->second.get();
                target->set_state(group_state::empty, now_ms());
            }
            for (auto& [key, value] : g->second) target->offsets()[key] = std::move(value);
        }
        g = by_group.erase(g);
    }
    if (by_group.empty()) pending_txn_offsets_.erase(it);
}

bool coordinator::has_pending_offsets(const std::string& group_id, const std::string& topic, int32_t partition) const {
    for (const auto& [producer, by_group] : pending_txn_offsets_) {
        auto g = by_group.find(group_id);
        if (g != by_group.end() && g->second.contains({topic, partition})) return true;
    }
    return false;
}

void coordinator::adopt_pending(pending_txn_records pending) {
    for (auto& [producer, records] : pending) {
        for (auto& r : records) {
            if (r.type != offsets_record::kind::offset_commit || !r.offset) continue;
            pending_txn_offsets_[producer][r.group][{r.topic, r.partition}] = std::move(*r.offset);
        }
    }
}

void coordinator::drop_pending(int32_t partition) {
    for (auto it = pending_txn_offsets_.begin(); it != pending_txn_offsets_.end();) {
        std::erase_if(it->second, [&](const auto& kv) { return offsets_partition_of(kv.first) == partition; });
        it = it->second.empty() ? pending_txn_offsets_.erase(it) : std::next(it);
    }
}

}  // namespace sluice::broker::groups

#include "log/producer_state.h"

#include <algorithm>
#include <climits>

namespace sluice::log {

using protocol::error_code;
using protocol::producer_epoch;
using protocol::producer_id;

namespace {

producer_batch batch_of(const protocol::batch_header& h) {
    return {h.base_sequence, last_sequence_of(h.base_sequence, h.last_offset_delta), h.last_offset(),
            h.last_offset_delta, h.max_timestamp};
}

bool in_sequence(int32_t last, int32_t next) {
    return int64_t{next} == int64_t{last} + 1 || (next == 0 && last == INT32_MAX);
}

}  // namespace

int32_t last_sequence_of(int32_t base, int32_t last_offset_delta) {
    if (base > INT32_MAX - last_offset_delta) return last_offset_delta - (INT32_MAX - base) - 1;
    return base + last_offset_delta;
}

void producer_entry::add(producer_epoch batch_epoch, const producer_batch& batch) {
    if (batch_epoch != epoch) {
        // A new epoch starts the sequences over: the old ranges mean nothing.
        batches.clear();
        epoch = batch_epoch;
    }
    batches.push(batch);
    last_timestamp = batch.timestamp;
}

producer_entry* producer_state::append::find_staged(producer_id id) {
    for (auto& e : staged_) {
        if (e.id == id) return &e;
    }
    return nullptr;
}

producer_entry& producer_state::append::staged(producer_id id) {
    if (producer_entry* e = find_staged(id)) return *e;
    if (const producer_entry* current = state_.find(id)) return staged_.emplace_back(*current);
    producer_entry fresh;
    fresh.id = id;
    return staged_.emplace_back(std::move(fresh));
}

producer_state::append::outcome producer_state::append::check_client(const protocol::batch_header& h) {
    // Control batches are the broker's own transaction markers, not a producer's data.
    if (h.producer_id < 0 || h.is_control()) return {};
    // Kafka's LogValidator: a producer id needs a sequence.
    if (h.base_sequence < 0) return {error_code::invalid_record, {}};
    const producer_id id{h.producer_id};
    const producer_epoch epoch{h.producer_epoch};
    const producer_entry* staged_entry = find_staged(id);
    const producer_entry* entry = staged_entry != nullptr ? staged_entry : state_.find(id);
    const int32_t last_sequence = last_sequence_of(h.base_sequence, h.last_offset_delta);
    if (entry != nullptr && entry->epoch == epoch) {
        for (size_t i = 0; i < entry->batches.size(); ++i) {
            const producer_batch& b = entry->batches[i];
            if (b.first_sequence == h.base_sequence && b.last_sequence == last_sequence) return {error_code::none, b};
        }
    }
    if (entry != nullptr && epoch < entry->epoch) return {error_code::invalid_producer_epoch, {}};
    const bool known = entry != nullptr && entry->epoch != producer_epoch{-1};
    if (known && epoch != entry->epoch) {
        if (h.base_sequence != 0) return {error_code::out_of_order_sequence_number, {}};
    } else if (known && !in_sequence(entry->last_sequence(), h.base_sequence)) {
        return {error_code::out_of_order_sequence_number, {}};
    }
    // Inside a transaction every batch of the producer belongs to it.
    if (!h.is_transactional() && entry != nullptr && entry->current_txn_first_offset) {
        return {error_code::invalid_txn_state, {}};
    }
    producer_entry& e = staged(id);
    e.add(epoch, batch_of(h));
    open_txn_if_transactional(e, h);
    return {};
}

producer_state::append::outcome producer_state::append::check_coordinator(const protocol::batch_header& h) {
    if (h.producer_id < 0 || h.is_control()) return {};
    const producer_id id{h.producer_id};
    const producer_entry* staged_entry = find_staged(id);
    const producer_entry* entry = staged_entry != nullptr ? staged_entry : state_.find(id);
    if (entry != nullptr && producer_epoch{h.producer_epoch} < entry->epoch) return {error_code::invalid_producer_epoch, {}};
    add_replicated(h, std::nullopt);
    return {};
}

error_code producer_state::append::check_marker(const protocol::batch_header& h, const protocol::txn_marker& marker) {
    const producer_id id{h.producer_id};
    const producer_entry* staged_entry = find_staged(id);
    const producer_entry* entry = staged_entry != nullptr ? staged_entry : state_.find(id);
    if (entry != nullptr && producer_epoch{h.producer_epoch} < entry->epoch) return error_code::invalid_producer_epoch;
    if (entry != nullptr && marker.coordinator_epoch < entry->coordinator_epoch) {
        return error_code::transaction_coordinator_fenced;
    }
    end_txn(staged(id), h, marker);
    return error_code::none;
}

void producer_state::append::add_replicated(const protocol::batch_header& h,
                                            const std::optional<protocol::txn_marker>& marker) {
    if (h.producer_id < 0) return;
    producer_entry& e = staged(producer_id{h.producer_id});
    if (h.is_control()) {
        if (marker) end_txn(e, h, *marker);
        return;
    }
    e.add(producer_epoch{h.producer_epoch}, batch_of(h));
    open_txn_if_transactional(e, h);
}

void producer_state::append::open_txn_if_transactional(producer_entry& e, const protocol::batch_header& h) {
    if (h.is_transactional() && !e.current_txn_first_offset) e.current_txn_first_offset = h.base_offset;
}

void producer_state::append::end_txn(producer_entry& e, const protocol::batch_header& h,
                                     const protocol::txn_marker& marker) {
    const producer_epoch epoch{h.producer_epoch};
    if (epoch != e.epoch) {
        e.batches.clear();
        e.epoch = epoch;
    }
    completed_.push_back({e.id, e.current_txn_first_offset.value_or(h.base_offset), h.base_offset,
                          marker.type == protocol::marker_type::abort});
    e.current_txn_first_offset.reset();
    e.coordinator_epoch = marker.coordinator_epoch;
    e.last_timestamp = h.max_timestamp;
}

void producer_state::index_open_txn(const producer_entry* before, const producer_entry& after) {
    const auto old_first = before != nullptr ? before->current_txn_first_offset : std::nullopt;
    if (old_first == after.current_txn_first_offset) return;
    if (old_first) open_txns_.erase(*old_first);
    if (after.current_txn_first_offset) open_txns_[*after.current_txn_first_offset] = after.id;
}

std::vector<completed_txn> producer_state::commit(append&& changes) {
    for (auto& entry : changes.staged_) {
        if (!verifying_.empty() && entry.current_txn_first_offset) verifying_.erase(entry.id);
        index_open_txn(find(entry.id), entry);
        producers_.insert_or_assign(entry.id, std::move(entry));
    }
    changes.staged_.clear();
    if (!verifying_.empty()) {
        for (const auto& txn : changes.completed_)
            verifying_.erase(txn.producer);
    }
    return std::move(changes.completed_);
}

uint64_t producer_state::begin_verification(protocol::producer_id id, int64_t now_ms) {
    auto [it, added] = verifying_.try_emplace(id, verification{last_guard_ + 1, now_ms});
    if (added) ++last_guard_;
    return it->second.guard;
}

bool producer_state::verification_holds(protocol::producer_id id, uint64_t guard) const {
    auto it = verifying_.find(id);
    return it != verifying_.end() && it->second.guard == guard;
}

std::vector<completed_txn> producer_state::replay(const protocol::batch_header& batch,
                                                  const std::optional<protocol::txn_marker>& marker) {
    if (batch.producer_id < 0) return {};
    append one(*this);
    one.add_replicated(batch, marker);
    return commit(std::move(one));
}

std::optional<int64_t> producer_state::first_unstable_offset() const {
    if (open_txns_.empty()) return std::nullopt;
    return open_txns_.begin()->first;
}

int64_t producer_state::stable_offset_after(const completed_txn& txn) const {
    for (const auto& [first, id] : open_txns_) {
        if (id != txn.producer) return first;
    }
    return txn.last_offset + 1;
}

const producer_entry* producer_state::find(producer_id id) const {
    auto it = producers_.find(id);
    return it == producers_.end() ? nullptr : &it->second;
}

void producer_state::load(std::vector<producer_entry> loaded) {
    clear();
    for (auto& e : loaded) {
        index_open_txn(nullptr, e);
        producers_.insert_or_assign(e.id, std::move(e));
    }
}

size_t producer_state::expire(int64_t now_ms, int64_t expiration_ms) {
    std::erase_if(verifying_, [&](const auto& kv) { return now_ms - kv.second.started_ms >= expiration_ms; });
    return std::erase_if(producers_, [&](const auto& kv) {
        const producer_entry& e = kv.second;
        return !e.current_txn_first_offset && now_ms - e.last_timestamp >= expiration_ms;
    });
}

size_t producer_state::evict_below(int64_t log_start_offset) {
    return std::erase_if(producers_, [&](const auto& kv) {
        const producer_entry& e = kv.second;
        return !e.current_txn_first_offset && e.last_offset() < log_start_offset;
    });
}

}  // namespace sluice::log

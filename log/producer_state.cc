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
    if (batches.size() == remembered_batches) batches.pop_front();
    batches.push_back(batch);
    last_timestamp = batch.timestamp;
}

producer_entry& producer_state::append::staged(producer_id id) {
    auto it = staged_.find(id);
    if (it != staged_.end()) return it->second;
    if (const producer_entry* current = state_.find(id)) return staged_.emplace(id, *current).first->second;
    producer_entry fresh;
    fresh.id = id;
    return staged_.emplace(id, std::move(fresh)).first->second;
}

producer_state::append::outcome producer_state::append::check_client(const protocol::batch_header& h) {
    // Control batches are the broker's own transaction markers, not a producer's data.
    if (h.producer_id < 0 || h.is_control()) return {};
    // Kafka's LogValidator: a producer id needs a sequence.
    if (h.base_sequence < 0) return {error_code::invalid_record, {}};
    const producer_id id{h.producer_id};
    const producer_epoch epoch{h.producer_epoch};
    auto it = staged_.find(id);
    const producer_entry* entry = it != staged_.end() ? &it->second : state_.find(id);
    const int32_t last_sequence = last_sequence_of(h.base_sequence, h.last_offset_delta);
    if (entry != nullptr && entry->epoch == epoch) {
        for (const producer_batch& b : entry->batches) {
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
    staged(id).add(epoch, batch_of(h));
    return {};
}

void producer_state::append::add_replicated(const protocol::batch_header& h) {
    if (h.producer_id < 0 || h.is_control()) return;
    staged(producer_id{h.producer_id}).add(producer_epoch{h.producer_epoch}, batch_of(h));
}

void producer_state::commit(append&& changes) {
    for (auto& [id, entry] : changes.staged_) producers_.insert_or_assign(id, std::move(entry));
    changes.staged_.clear();
}

void producer_state::replay(const protocol::batch_header& batch) {
    if (batch.producer_id < 0 || batch.is_control()) return;
    append one(*this);
    one.add_replicated(batch);
    commit(std::move(one));
}

const producer_entry* producer_state::find(producer_id id) const {
    auto it = producers_.find(id);
    return it == producers_.end() ? nullptr : &it->second;
}

void producer_state::load(std::vector<producer_entry> loaded) {
    producers_.clear();
    for (auto& e : loaded) producers_.insert_or_assign(e.id, std::move(e));
}

size_t producer_state::expire(int64_t now_ms, int64_t expiration_ms) {
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

// partition_log's producer state (log/producer_state.h): loaded at open from
// the newest snapshot plus the batches after it, kept up to date by every
// append, snapshotted at each roll and at close, reloaded after truncation.
// Also the transactions it tracks: markers, the aborted-transaction index
// (log/transaction_index.h) and the last stable offset.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "log/partition_log.h"
#include "log/producer_snapshot.h"
#include "log/segment_swap.h"

namespace sluice::log {

using protocol::error_code;

namespace {

std::optional<std::vector<producer_entry>> read_snapshot(const std::filesystem::path& path) {
    std::string bytes;
    if (!file_util::read_small_file(path, bytes)) return std::nullopt;
    return producer_snapshot::decode(bytes);
}

}  // namespace

append_result partition_log::append_marker(protocol::producer_id producer, protocol::producer_epoch epoch,
                                           const protocol::txn_marker& marker, int32_t leader_epoch,
                                           int64_t now_ms) {
    protocol::bytes batch = protocol::build_marker_batch(producer.value(), epoch.value(), marker, now_ms);
    const int64_t offset = log_end_offset();
    protocol::set_base_offset(batch.data(), offset);
    protocol::set_partition_leader_epoch(batch.data(), leader_epoch);
    auto header = *protocol::read_batch_header(batch);
    producer_state::append changes(producers_);
    if (error_code e = changes.check_marker(header, marker); e != error_code::none) return {e};
    if (active()->should_roll(config_, batch.size(), offset, now_ms) && !roll(now_ms)) {
        return {error_code::kafka_storage_error};
    }
    if (error_code e = active()->append(batch, now_ms); e != error_code::none) return {e};
    epochs_.assign(leader_epoch, offset);
    on_transactions_ended(producers_.commit(std::move(changes)), true);
    return {error_code::none, offset, offset, -1};
}

void partition_log::on_transactions_ended(std::vector<completed_txn> ended, bool write_index) {
    for (const completed_txn& txn : ended) {
        if (txn.last_offset >= high_watermark()) unreplicated_.push_back(txn);
        if (!txn.aborted) continue;
        aborted_txn entry{txn.producer.value(), txn.first_offset, txn.last_offset, producers_.stable_offset_after(txn)};
        aborted_.push_back(entry);
        if (write_index) {
            const int64_t base = segments_[segment_index_for(txn.last_offset)]->base_offset();
            transaction_index::append(transaction_index::path_for(dir_, base), entry);
        }
    }
}

int64_t partition_log::last_stable_offset() const {
    int64_t lso = high_watermark();
    if (auto first = producers_.first_unstable_offset()) lso = std::min(lso, *first);
    for (const completed_txn& t : unreplicated_) {
        if (t.last_offset >= high_watermark()) lso = std::min(lso, t.first_offset);
    }
    return lso;
}

std::vector<aborted_txn> partition_log::aborted_transactions(int64_t from, int64_t upper) const {
    std::vector<aborted_txn> out;
    // By marker offset: every entry before the first one ending at `from` ended too early.
    auto it = std::lower_bound(aborted_.begin(), aborted_.end(), from,
                               [](const aborted_txn& e, int64_t o) { return e.last_offset < o; });
    for (; it != aborted_.end(); ++it) {
        if (it->first_offset < upper) out.push_back(*it);
    }
    return out;
}

void partition_log::replay_batch(const segment& seg, const batch_position& b) {
    std::optional<protocol::txn_marker> marker;
    if (b.header.is_control() && b.header.producer_id >= 0) {
        protocol::bytes bytes;
        if (seg.read(b.position, b.header.total_size(), bytes)) marker = protocol::read_marker(bytes);
    }
    on_transactions_ended(producers_.replay(b.header, marker), true);
}

void partition_log::replay_producers_from(int64_t offset) {
    for (size_t i = segment_index_for(offset); i < segments_.size(); ++i) {
        const auto& seg = segments_[i];
        auto first = seg->find_batch(offset);
        if (!first) continue;
        seg->for_each_batch(first->position, [&](const batch_position& b) {
            if (b.header.base_offset >= offset && b.header.producer_id >= 0) replay_batch(*seg, b);
            return true;
        });
    }
}

void partition_log::load_transaction_index(int64_t replay_from) {
    aborted_.clear();
    unreplicated_.clear();
    for (int64_t base : transaction_index::list(dir_)) {
        const auto path = transaction_index::path_for(dir_, base);
        auto entries = transaction_index::read(path);
        if (!entries) {
            spdlog::warn("log: ignoring unreadable {}", path.string());
            continue;
        }
        const size_t all = entries->size();
        std::erase_if(*entries, [&](const aborted_txn& e) { return e.last_offset >= replay_from; });
        if (entries->size() != all) transaction_index::rewrite(path, *entries);
        for (const auto& e : *entries) {
            if (e.last_offset >= log_start_offset()) aborted_.push_back(e);
        }
    }
    std::sort(aborted_.begin(), aborted_.end(),
              [](const aborted_txn& a, const aborted_txn& b) { return a.last_offset < b.last_offset; });
}

void partition_log::load_producers(bool clean_shutdown) {
    producers_.clear();
    const int64_t end = log_end_offset();
    auto offsets = producer_snapshot::list(dir_);
    std::optional<int64_t> loaded_at;
    for (auto it = offsets.rbegin(); it != offsets.rend(); ++it) {
        const auto path = producer_snapshot::path_for(dir_, *it);
        if (*it > end) {
            // Describes batches the log no longer has (a crash cut it back).
            std::filesystem::remove(path);
            continue;
        }
        if (auto entries = read_snapshot(path)) {
            producers_.load(std::move(*entries));
            loaded_at = *it;
            break;
        }
        spdlog::warn("log: ignoring damaged producer snapshot {}", path.string());
        std::filesystem::remove(path);
    }
    if (!loaded_at && clean_shutdown) {
        // A clean log without snapshots was written before producer state
        // existed (Kafka's upgrade path): nothing to replay.
        load_transaction_index(end);
        return;
    }
    const int64_t replay_from = loaded_at.value_or(log_start_offset());
    load_transaction_index(replay_from);
    replay_producers_from(replay_from);
    producers_.evict_below(log_start_offset());
}

void partition_log::snapshot_producers() { producer_snapshot::write(dir_, log_end_offset(), producers_); }

void partition_log::drop_producer_snapshots_above(int64_t offset, truncation& result) {
    // Renamed like the dropped segments, unlinked with them by the caller.
    auto drop = [&](const std::filesystem::path& from) {
        auto to = from;
        to += segment_swap::deleted_suffix;
        std::error_code ec;
        std::filesystem::rename(from, to, ec);
        if (!ec) result.deleted_files.push_back(std::move(to));
    };
    for (int64_t at : producer_snapshot::list(dir_)) {
        if (at > offset) drop(producer_snapshot::path_for(dir_, at));
    }
    // The index of a segment starting at or past the new end has only markers that are gone.
    for (int64_t base : transaction_index::list(dir_)) {
        if (base >= offset) drop(transaction_index::path_for(dir_, base));
    }
}

size_t partition_log::expire_producers(int64_t now_ms, int64_t expiration_ms) {
    return producers_.expire(now_ms, expiration_ms);
}

}  // namespace sluice::log

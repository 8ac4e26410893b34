#include "broker/replica/partition_follower_log.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <system_error>

#include "protocol/record_batch.h"

namespace sluice::broker::replica {

using protocol::error_code;
using protocol::leader_epoch;
using protocol::offset;

partition_follower_log::partition_follower_log(log::partition_log& log, log_lookup lookup, hooks h)
    : topic_(log.partition().topic),
      partition_(log.partition().partition),
      incarnation_(log.incarnation()),
      lookup_(std::move(lookup)),
      hooks_(std::move(h)) {
    remember(log);
}

log::partition_log* partition_follower_log::live() const {
    log::partition_log* log = lookup_ ? lookup_(topic_, partition_) : nullptr;
    if (log == nullptr || log->incarnation() != incarnation_) return nullptr;
    return log;
}

void partition_follower_log::remember(const log::partition_log& log) const {
    last_seen_ = {offset(log.log_start_offset()), offset(log.log_end_offset()), offset(log.high_watermark())};
    if (!pending_) return;
    // What the log will hold once the pending cut is done.
    if (pending_->fully) {
        last_seen_ = {pending_->at, pending_->at, pending_->at};
        return;
    }
    last_seen_.end = std::min(last_seen_.end, pending_->at);
    last_seen_.hw = std::min(last_seen_.hw, last_seen_.end);
}

int64_t partition_follower_log::now_ms() const {
    if (hooks_.now_ms) return hooks_.now_ms();
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

offset partition_follower_log::log_start_offset() const {
    if (const auto* log = live()) remember(*log);
    return last_seen_.start;
}

offset partition_follower_log::log_end_offset() const {
    if (const auto* log = live()) remember(*log);
    return last_seen_.end;
}

offset partition_follower_log::high_watermark() const {
    if (const auto* log = live()) remember(*log);
    return last_seen_.hw;
}

std::optional<leader_epoch> partition_follower_log::latest_epoch() const {
    const auto* log = live();
    if (log == nullptr || (pending_ && pending_->fully)) return std::nullopt;
    const auto& entries = log->leader_epochs().entries();
    // Epochs starting at or after a pending cut are as good as forgotten.
    for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
        if (!pending_ || it->start_offset < pending_->at.value()) return leader_epoch(it->epoch);
    }
    return std::nullopt;
}

replication::epoch_end_offset partition_follower_log::end_offset_for(leader_epoch epoch) const {
    const auto* log = live();
    if (log == nullptr || (pending_ && pending_->fully)) return {};
    remember(*log);
    log::epoch_entry e;
    if (pending_) {
        e = log->leader_epochs().end_offset_before(pending_->at.value(), epoch.value(), last_seen_.end.value());
    } else {
        e = log->leader_epochs().end_offset_for(epoch.value(), log->log_end_offset());
    }
    return {leader_epoch(e.epoch), offset(e.start_offset)};
}

error_code partition_follower_log::append_as_is(protocol::bytes_view batches) {
    log::partition_log* log = live();
    // Deleted (or re-created): the fetcher pauses and its owner re-reads.
    if (log == nullptr) return error_code::not_leader_or_follower;
    if (!settle(*log)) return error_code::kafka_storage_error;
    log::append_result r = log->append_as_follower(batches, now_ms());
    if (r.error == error_code::offset_out_of_range && log->log_start_offset() == log->log_end_offset()) {
        // An empty log whose first fetched batch holds its log end: the
        // leader's log start is inside that batch. Start at the batch.
        auto first = protocol::read_batch_header(batches);
        const int64_t end = log->log_end_offset();
        if (first && first->base_offset < end && first->last_offset() >= end) {
            spdlog::info(
                "replica {}-{}: first fetched batch [{}, {}] straddles the log end {}; restarting the log at {}",
                topic_, partition_, first->base_offset, first->last_offset(), end, first->base_offset);
            if (!cut(*log, {true, offset(first->base_offset)})) return error_code::kafka_storage_error;
            r = log->append_as_follower(batches, now_ms());
        }
    }
    remember(*log);
    if (r.error != error_code::none) return r.error;
    if (r.base_offset >= 0 && hooks_.appended) hooks_.appended(*log);
    return error_code::none;
}

void partition_follower_log::truncate_to(offset end) {
    log::partition_log* log = live();
    if (log == nullptr) return;
    settle(*log);
    pending_cut c{false, end};
    if (pending_) {
        // Still refused: the new cut replaces or deepens the old one.
        if (pending_->fully)
            c = {true, std::min(pending_->at, end)};
        else
            c.at = std::min(pending_->at, end);
        pending_.reset();
    }
    if (!cut(*log, c)) pending_ = c;
    remember(*log);
}

void partition_follower_log::truncate_fully_and_start_at(offset start) {
    log::partition_log* log = live();
    if (log == nullptr) return;
    pending_.reset();  // this cut supersedes any other
    pending_cut c{true, start};
    if (!cut(*log, c)) pending_ = c;
    remember(*log);
}

void partition_follower_log::set_high_watermark(offset hw) {
    log::partition_log* log = live();
    if (log == nullptr || !settle(*log)) return;
    const int64_t before = log->high_watermark();
    log->set_high_watermark(hw.value());
    remember(*log);
    if (log->high_watermark() != before && hooks_.offsets_moved) hooks_.offsets_moved(*log);
}

void partition_follower_log::advance_log_start(offset start) {
    log::partition_log* log = live();
    if (log == nullptr || !settle(*log)) return;
    // Refused only above the high watermark, which the fetcher never asks.
    if (log->delete_records_before(start.value()) != error_code::none) return;
    remember(*log);
    if (hooks_.offsets_moved) hooks_.offsets_moved(*log);
}

bool partition_follower_log::settle(log::partition_log& log) {
    if (!pending_) return true;
    if (!cut(log, *pending_)) return false;
    pending_.reset();
    return true;
}

bool partition_follower_log::cut(log::partition_log& log, const pending_cut& c) {
    if (!c.fully && c.at.value() >= log.log_end_offset()) return true;
    log::partition_log::truncation t = c.fully ? log.truncate_fully_and_start_at(c.at) : log.truncate_to(c.at.value());
    if (!t.done) return false;
    if (hooks_.truncated) {
        hooks_.truncated(log, std::move(t.deleted_files));
    } else {
        for (const auto& f : t.deleted_files) {
            std::error_code ignored;
            std::filesystem::remove(f, ignored);
        }
    }
    return true;
}

}  // namespace sluice::broker::replica

#include "log/partition_log.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <chrono>
#include <cstring>

#include "log/file_util.h"
#include "log/format.h"
#include "log/retention.h"
#include "log/segment_swap.h"

namespace sluice::log {

using protocol::error_code;

namespace {

int64_t wall_clock_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

log_incarnation next_incarnation() {
    static std::atomic<uint64_t> last{0};
    return log_incarnation{last.fetch_add(1, std::memory_order_relaxed) + 1};
}

}  // namespace

partition_log::partition_log(std::filesystem::path dir, topic_partition tp, log_config config)
    : dir_(std::move(dir)),
      tp_(std::move(tp)),
      config_(config),
      epochs_(dir_ / format::leader_epoch_file),
      incarnation_(next_incarnation()) {}

std::unique_ptr<partition_log> partition_log::open(const std::filesystem::path& dir, topic_partition tp,
                                                   log_config config, bool clean_shutdown, error_code& error) {
    open_options options;
    options.clean_shutdown = clean_shutdown;
    return open(dir, std::move(tp), config, options, error);
}

std::unique_ptr<partition_log> partition_log::open(const std::filesystem::path& dir, topic_partition tp,
                                                   log_config config, const open_options& options,
                                                   error_code& error) {
    error = error_code::kafka_storage_error;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        spdlog::error("log: cannot create {}: {}", dir.string(), ec.message());
        return nullptr;
    }
    int64_t now_ms = options.now_ms >= 0 ? options.now_ms : wall_clock_ms();
    std::unique_ptr<partition_log> log(new partition_log(dir, std::move(tp), config));
    log->background_ = options.background;
    bool epochs_loaded = log->epochs_.load();

    auto loaded = load_segments(dir, config, options.clean_shutdown, options.recovery_point, log->epochs_);
    if (!loaded) return nullptr;
    log->segments_ = std::move(loaded->segments);
    log->recovery_ = loaded->report;
    if (epochs_loaded && !options.clean_shutdown && !log->epochs_match_batches()) {
        // Segments below a stale recovery point (one not checkpointed after
        // a truncation) hold batches the checkpoint never saw.
        spdlog::warn("log: leader epochs of {} disagree with its batches; reading them back", dir.string());
        epochs_loaded = false;
    }
    if (!epochs_loaded && !log->segments_.empty()) {
        // The checkpoint is gone or damaged: read the epochs back from every batch header.
        log->epochs_.clear();
        for (const auto& seg : log->segments_) {
            seg->for_each_batch(0, [&](const batch_position& b) {
                log->epochs_.assign(b.header.partition_leader_epoch, b.header.base_offset);
                return true;
            });
        }
    }

    int64_t start = options.log_start_offset.value_or(0);
    if (log->segments_.empty()) {
        log->start_fresh_at(start, now_ms);
        if (log->segments_.empty()) return nullptr;
    } else {
        start = std::max(start, log->segments_.front()->base_offset());
        if (start > log->log_end_offset()) {
            // DeleteRecords went past what survived: the log restarts empty there.
            log->start_fresh_at(start, now_ms);
            if (log->segments_.empty()) return nullptr;
        }
    }
    log->log_start_offset_ = start;
    int64_t end = log->log_end_offset();
    log->high_watermark_ = end;
    log->checkpointed_high_watermark_ =
        protocol::offset(std::clamp(options.high_watermark.value_or(protocol::offset(start)).value(), start, end));
    log->recovery_point_ = options.clean_shutdown ? end : std::min(options.recovery_point, end);
    log->epochs_.truncate_from_end(end);
    log->epochs_.truncate_from_start(start);
    log->load_producers(options.clean_shutdown);
    log->last_flush_ms_ = now_ms;
    error = error_code::none;
    return log;
}

bool partition_log::epochs_match_batches() const {
    const auto& entries = epochs_.entries();
    if (entries.empty()) return true;
    auto matches = [&](const protocol::batch_header& h) {
        if (h.partition_leader_epoch < 0 || h.base_offset < entries.front().start_offset) return true;
        auto next = std::upper_bound(entries.begin(), entries.end(), h.base_offset,
                                     [](int64_t o, const epoch_entry& e) { return o < e.start_offset; });
        return std::prev(next)->epoch == h.partition_leader_epoch;
    };
    // A segment's first and last batch: two header reads each, no full scan.
    for (const auto& seg : segments_) {
        if (seg->empty()) continue;
        auto first = seg->find_batch(seg->base_offset());
        auto last = seg->find_batch(seg->next_offset() - 1);
        if (!first || !last || !matches(first->header) || !matches(last->header)) return false;
    }
    return true;
}

void partition_log::start_fresh_at(int64_t offset, int64_t now_ms) {
    for (const auto& seg : segments_) {
        seg->settle_key_seal(false);
        seg->remove_files();
    }
    segments_.clear();
    epochs_.clear();
    producers_.clear();
    if (auto seg = segment::create(dir_, offset, config_, now_ms)) segments_.push_back(std::move(seg));
    dir_dirty_ = true;
}

append_result partition_log::append(std::span<uint8_t> batches, int32_t leader_epoch, int64_t now_ms,
                                    append_origin origin) {
    prepared_append prepared = prepare_append(batches, leader_epoch, now_ms, origin);
    if (!prepared.needs_write()) return prepared.result;
    file_write& w = prepared.write;
    w.ok = file_util::pwrite_all(w.fd, w.bytes.data(), w.bytes.size(), w.offset);
    w.error = w.ok ? 0 : errno;
    return finish_append(prepared);
}

partition_log::prepared_append partition_log::prepare_append(std::span<uint8_t> batches, int32_t leader_epoch,
                                                             int64_t now_ms, append_origin origin) {
    prepared_append out;
    // Nothing to write: the answer as it stands, the staged producer changes dropped.
    auto answer = [&out](append_result result) {
        out.result = result;
        out.producer_changes.reset();
    };
    const int64_t base_offset = log_end_offset();
    int64_t next_offset = base_offset;
    protocol::batch_iterator it{protocol::bytes_view(batches)};
    while (auto batch = it.next()) {
        auto header = protocol::read_batch_header(*batch);
        if (!header) {
            answer({error_code::corrupt_message});
            return out;
        }
        uint8_t* raw = batches.data() + (batch->data() - batches.data());
        protocol::set_base_offset(raw, next_offset);
        protocol::set_partition_leader_epoch(raw, leader_epoch);
        if (config_.log_append_time) protocol::set_log_append_time(raw, batch->size(), now_ms);
        if (header->producer_id >= 0) {
            header->base_offset = next_offset;
            if (config_.log_append_time) header->max_timestamp = now_ms;
            // Staged only for batches that carry a producer id (most do not).
            producer_state::append& changes =
                out.producer_changes ? *out.producer_changes : out.producer_changes.emplace(producers_);
            auto checked = origin == append_origin::client ? changes.check_client(*header)
                                                           : changes.check_coordinator(*header);
            if (checked.error != error_code::none) {
                answer({checked.error});
                return out;
            }
            if (const auto& dup = checked.duplicate) {
                answer({error_code::none, dup->first_offset(), dup->last_offset,
                        config_.log_append_time ? dup->timestamp : -1, true});
                return out;
            }
        }
        next_offset += int64_t{header->last_offset_delta} + 1;
    }
    if (it.consumed() != batches.size() || next_offset == base_offset) {
        answer({error_code::corrupt_message});
        return out;
    }
    const int64_t last_offset = next_offset - 1;

    if (active()->should_roll(config_, batches.size(), last_offset, now_ms) && !roll(now_ms)) {
        answer({error_code::kafka_storage_error});
        return out;
    }
    out.result = {error_code::none, base_offset, last_offset, config_.log_append_time ? now_ms : -1};
    out.target = active();
    out.leader_epoch = leader_epoch;
    out.now_ms = now_ms;
    out.write.fd = out.target->fd();
    out.write.bytes = batches;
    out.write.offset = out.target->begin_append(batches.size());
    append_prepared_ = true;
    return out;
}

append_result partition_log::finish_append(prepared_append& prepared) {
    if (!prepared.needs_write()) return prepared.result;
    append_prepared_ = false;
    const file_write& w = prepared.write;
    // A broken invariant, not an I/O error: something appended in between.
    if (prepared.target != active() || active()->size() != w.offset) {
        spdlog::critical("log: {} changed between prepare_append and finish_append", dir_.string());
        std::abort();
    }
    if (!w.ok) {
        active()->abort_append(w.offset, w.error);
        return {error_code::kafka_storage_error};
    }
    active()->end_append(w.bytes, w.offset, prepared.now_ms);
    poll_key_seals();
    epochs_.assign(prepared.leader_epoch, prepared.result.base_offset);
    if (prepared.producer_changes && !prepared.producer_changes->empty()) {
        on_transactions_ended(producers_.commit(std::move(*prepared.producer_changes)), true);
    }
    return prepared.result;
}

bool partition_log::roll(int64_t now_ms) {
    if (active()->empty()) return true;
    auto next = segment::create(dir_, log_end_offset(), config_, now_ms);
    if (!next) return false;
    poll_key_seals();
    seal_in_background(active());
    segments_.push_back(std::move(next));
    dir_dirty_ = true;
    snapshot_producers();
    return true;
}

void partition_log::seal_in_background(std::shared_ptr<segment> seg) {
    seg->on_inactive(background_);
    if (seg->keys() != nullptr && seg->keys()->sealing()) sealing_.push_back(std::move(seg));
}

void partition_log::begin_segment_swap() {
    for (const auto& seg : sealing_) seg->settle_key_seal(true);
    sealing_.clear();
    swapping_ = true;
}

void partition_log::roll_if_due(int64_t now_ms) {
    poll_key_seals();
    if (active()->should_roll(config_, 0, log_end_offset(), now_ms)) roll(now_ms);
}

size_t partition_log::segment_index_for(int64_t offset) const {
    auto it = std::upper_bound(segments_.begin(), segments_.end(), offset,
                               [](int64_t o, const std::shared_ptr<segment>& s) { return o < s->base_offset(); });
    return it == segments_.begin() ? 0 : static_cast<size_t>(it - segments_.begin() - 1);
}

read_result partition_log::read(int64_t offset, size_t max_bytes, int64_t max_offset, bool min_one_batch) const {
    read_result result;
    if (offset < log_start_offset() || offset > log_end_offset()) {
        result.error = error_code::offset_out_of_range;
        return result;
    }
    const int64_t limit = std::min(max_offset, log_end_offset());
    for (size_t i = segment_index_for(offset); i < segments_.size() && offset < limit; ++i) {
        const auto& seg = segments_[i];
        auto first = seg->find_batch(offset);
        if (!first) continue;  // `offset` is past this segment's last batch
        const uint64_t start = first->position;
        const size_t budget = max_bytes > result.bytes ? max_bytes - result.bytes : 0;
        uint64_t end = start;
        bool stopped = false;
        if (seg->next_offset() <= limit && seg->size() - start <= budget) {
            end = seg->size();  // the rest of the segment fits: no need to walk it
        } else {
            // Jump over the batches the index proves whole and in bounds, then walk headers.
            auto jump = seg->offsets().last_entry_within(start + budget, limit);
            if (jump && jump->position > start) end = jump->position;
            seg->for_each_batch(end, [&](const batch_position& b) {
                bool fits = end - start + b.header.total_size() <= budget ||
                            (min_one_batch && result.bytes == 0 && end == start);
                if (b.header.last_offset() >= limit || !fits) {
                    stopped = true;
                    return false;
                }
                end += b.header.total_size();
                return true;
            });
        }
        if (end > start) {
            result.slices.push_back({seg->fd(), start, static_cast<uint32_t>(end - start), seg});
            result.bytes += end - start;
        }
        if (stopped) break;
        offset = seg->next_offset();
    }
    return result;
}

partition_log::fetch_read partition_log::read_for_fetch(int64_t offset, size_t max_bytes, int64_t max_offset,
                                                        bool min_one_batch, bool wait_for_disk) const {
    fetch_read result;
    if (offset < log_start_offset() || offset > log_end_offset()) {
        result.error = error_code::offset_out_of_range;
        return result;
    }
    std::optional<nowait_header_reads> nowait;
    if (!wait_for_disk) nowait.emplace();
    // After a header miss: the range to read in is from the miss on, as far
    // as this fetch could send (plus the header walk from an index entry).
    auto missed = [&](const std::shared_ptr<segment>& seg) {
        if (!nowait || !nowait->missed) return false;
        const uint64_t at = nowait->missed->position;
        const uint64_t want = std::min<uint64_t>(seg->size() - std::min(seg->size(), at),
                                                 uint64_t{max_bytes} + 64 * 1024);
        result = fetch_read{};
        result.cold = protocol::file_slice{seg->fd(), at, static_cast<uint32_t>(std::min<uint64_t>(want, UINT32_MAX)),
                                           seg};
        return true;
    };
    const int64_t limit = std::min(max_offset, log_end_offset());
    bool first = true;
    for (size_t i = segment_index_for(offset); i < segments_.size() && offset < limit; ++i) {
        const auto& seg = segments_[i];
        auto from = seg->find_batch(offset);
        if (missed(seg)) return result;
        if (!from) continue;  // `offset` is past this segment's last batch
        if (first) {
            const size_t first_size = from->header.total_size();
            if (min_one_batch) max_bytes = std::max(max_bytes, first_size);
            result.first_batch_cut = max_bytes < first_size;
            first = false;
        }
        const uint64_t start = from->position;
        uint64_t end = seg->size();
        if (seg->next_offset() > limit) {
            // The batch holding `limit` and everything after it stay unread.
            if (auto at_limit = seg->find_batch(limit)) end = at_limit->position;
            if (missed(seg)) return result;
        }
        const uint64_t room = max_bytes - result.bytes;
        if (end - start > room) end = start + room;
        if (end > start) {
            result.slices.push_back({seg->fd(), start, static_cast<uint32_t>(end - start), seg});
            result.bytes += end - start;
        }
        if (result.bytes == max_bytes) break;
        offset = seg->next_offset();
    }
    return result;
}

void partition_log::set_high_watermark(int64_t offset) {
    high_watermark_.store(std::clamp(offset, log_start_offset(), log_end_offset()), std::memory_order_relaxed);
    if (!unreplicated_.empty()) {
        std::erase_if(unreplicated_, [&](const completed_txn& t) { return t.last_offset < high_watermark(); });
    }
}

std::optional<offset_and_timestamp> partition_log::first_record_at_or_after(const segment& seg,
                                                                            const batch_position& batch,
                                                                            int64_t timestamp,
                                                                            int64_t min_offset) const {
    const auto& h = batch.header;
    // LogAppendTime: every record of the batch carries the batch's time.
    if (h.log_append_time()) return offset_and_timestamp{std::max(h.base_offset, min_offset), h.max_timestamp};
    protocol::bytes raw;
    std::vector<protocol::record> records;
    if (!seg.read(batch.position, h.total_size(), raw)) {
        if (nowait_header_reads::active_miss()) return std::nullopt;  // not resident: the caller reads it in
        spdlog::warn("log: cannot read the batch at {} of {}", batch.position, seg.log_path().string());
        return std::nullopt;
    }
    if (protocol::decode_records(raw, records) != error_code::none) {
        spdlog::warn("log: cannot decode the batch at {} of {}", batch.position, seg.log_path().string());
        return std::nullopt;
    }
    for (const auto& r : records) {
        if (r.timestamp >= timestamp && r.offset >= min_offset) return offset_and_timestamp{r.offset, r.timestamp};
    }
    return std::nullopt;
}

namespace {

// After a read that did not wait missed the page cache: what to read in,
// from the miss on (a walk from an index entry and the batch it finds fit
// in far less, unless the batch itself is larger).
bool cold_miss(const std::optional<nowait_header_reads>& nowait, const std::shared_ptr<segment>& seg,
               std::optional<protocol::file_slice>* cold) {
    if (!nowait || !nowait->missed) return false;
    constexpr uint64_t read_in = 1 << 20;
    const uint64_t at = nowait->missed->position;
    const uint64_t left = seg->size() - std::min(seg->size(), at);
    *cold = protocol::file_slice{seg->fd(), at, static_cast<uint32_t>(std::min(left, read_in)), seg};
    return true;
}

}  // namespace

std::optional<offset_and_timestamp> partition_log::offset_for_timestamp(
    int64_t timestamp, std::optional<protocol::file_slice>* cold) const {
    std::optional<nowait_header_reads> nowait;
    if (cold != nullptr) nowait.emplace();
    const int64_t start = log_start_offset();
    for (size_t i = segment_index_for(start); i < segments_.size(); ++i) {
        const segment& seg = *segments_[i];
        if (seg.max_timestamp() < timestamp) continue;
        auto first = seg.find_batch_by_timestamp(timestamp, start);
        if (cold_miss(nowait, segments_[i], cold)) return std::nullopt;
        if (!first) continue;
        std::optional<offset_and_timestamp> found;
        seg.for_each_batch(first->position, [&](const batch_position& b) {
            if (b.header.max_timestamp >= timestamp && b.header.last_offset() >= start) {
                found = first_record_at_or_after(seg, b, timestamp, start);
            }
            return !found && !(nowait && nowait->missed);
        });
        if (cold_miss(nowait, segments_[i], cold)) return std::nullopt;
        if (found) return found;
    }
    return std::nullopt;
}

std::optional<offset_and_timestamp> partition_log::max_timestamp(std::optional<protocol::file_slice>* cold) const {
    std::optional<nowait_header_reads> nowait;
    if (cold != nullptr) nowait.emplace();
    const std::shared_ptr<segment>* best = nullptr;
    for (size_t i = segment_index_for(log_start_offset()); i < segments_.size(); ++i) {
        if (segments_[i]->max_timestamp() >= 0 && (!best || segments_[i]->max_timestamp() > (*best)->max_timestamp())) {
            best = &segments_[i];
        }
    }
    if (!best) return std::nullopt;
    const segment& seg = **best;
    auto batch = seg.find_batch(seg.offset_of_max_timestamp());
    if (cold_miss(nowait, *best, cold)) return std::nullopt;
    if (!batch) return std::nullopt;
    auto record = first_record_at_or_after(seg, *batch, seg.max_timestamp(), batch->header.base_offset);
    if (cold_miss(nowait, *best, cold)) return std::nullopt;
    return record.value_or(offset_and_timestamp{batch->header.last_offset(), seg.max_timestamp()});
}

void partition_log::set_log_start_offset(int64_t offset) {
    if (offset <= log_start_offset()) return;
    log_start_offset_.store(offset, std::memory_order_relaxed);
    epochs_.truncate_from_start(offset);
    producers_.evict_below(offset);
    std::erase_if(aborted_, [&](const aborted_txn& e) { return e.last_offset < offset; });
}

error_code partition_log::delete_records_before(int64_t offset) {
    if (offset > high_watermark() || offset < 0) return error_code::offset_out_of_range;
    set_log_start_offset(offset);
    return error_code::none;
}

std::vector<std::shared_ptr<segment>> partition_log::apply_retention(int64_t now_ms) {
    if (swapping_) return {};  // the log start offset still moves; segments go after the swap
    size_t count = segments_past_retention(segments_, config_, log_start_offset(), high_watermark(), now_ms);
    std::vector<std::shared_ptr<segment>> removed(segments_.begin(), segments_.begin() + static_cast<ptrdiff_t>(count));
    segments_.erase(segments_.begin(), segments_.begin() + static_cast<ptrdiff_t>(count));
    set_log_start_offset(segments_.front()->base_offset());
    return removed;
}

bool partition_log::holds_closed_run(const std::vector<std::shared_ptr<segment>>& run,
                                     const std::vector<uint64_t>& sizes) const {
    if (run.empty() || run.size() != sizes.size()) return false;
    auto first = std::find(segments_.begin(), segments_.end(), run.front());
    if (first == segments_.end()) return false;
    auto at = static_cast<size_t>(first - segments_.begin());
    // The active segment (last) is never part of a run.
    if (at + run.size() >= segments_.size()) return false;
    for (size_t i = 0; i < run.size(); ++i) {
        if (segments_[at + i] != run[i] || run[i]->size() != sizes[i]) return false;
    }
    return true;
}

bool partition_log::replace_segments(const std::vector<std::shared_ptr<segment>>& run,
                                     std::shared_ptr<segment> replacement) {
    std::vector<uint64_t> sizes;
    for (const auto& seg : run) sizes.push_back(seg->size());
    if (!replacement || !holds_closed_run(run, sizes)) return false;
    auto first = std::find(segments_.begin(), segments_.end(), run.front());
    *first = std::move(replacement);
    segments_.erase(first + 1, first + static_cast<ptrdiff_t>(run.size()));
    dir_dirty_ = true;
    return true;
}

void partition_log::update_config(const log_config& config) {
    config_ = config;
    for (const auto& seg : segments_) seg->update_config(config);
    // A key index switched on was built in memory; closed segments keep theirs on disk.
    for (size_t i = 0; i + 1 < segments_.size(); ++i) segments_[i]->seal_keys();
}

uint64_t partition_log::size_bytes() const {
    uint64_t total = 0;
    for (const auto& seg : segments_) total += seg->size();
    return total;
}

bool partition_log::flush_due(int64_t now_ms) const {
    int64_t unflushed = log_end_offset() - recovery_point();
    return unflushed > 0 && (unflushed >= config_.flush_messages || now_ms - last_flush_ms_ >= config_.flush_ms);
}

partition_log::flush_job partition_log::prepare_flush() {
    flush_job job;
    job.dir = dir_;
    job.up_to_offset = log_end_offset();
    job.sync_dir = dir_dirty_;
    for (const auto& seg : segments_) {
        if (seg->next_offset() <= recovery_point()) continue;
        // Index entries reach their files here, on the owner executor; the
        // job's sync() may then run on any thread.
        seg->persist_indexes();
        job.segments.push_back(seg);
    }
    if (epochs_.dirty()) {
        job.epochs = epochs_.entries();
        job.epoch_file = epochs_.file();
    }
    if (job.sync_dir || job.epochs) job.dir_handle = file_util::directory::open(dir_);
    return job;
}

void partition_log::run_flush(flush_job& job) {
    job.ok = true;
    for (const auto& seg : job.segments) job.ok = seg->sync() && job.ok;
    if (job.sync_dir) job.ok = (job.dir_handle ? job.dir_handle->sync() : file_util::fsync_dir(job.dir)) && job.ok;
    // Epochs after the data they describe, so the checkpoint never names lost
    // batches; and only into this log's dir, not a re-created partition's.
    if (job.epochs && (!job.dir_handle || job.dir_handle->is_at(job.dir))) {
        job.ok = write_epoch_checkpoint(job.epoch_file, *job.epochs) && job.ok;
    }
    if (!job.ok) spdlog::error("log: flush of {} failed: {}", job.dir.string(), std::strerror(errno));
}

void partition_log::complete_flush(const flush_job& job, int64_t now_ms) {
    if (!job.ok) return;
    if (job.epochs && *job.epochs == epochs_.entries()) epochs_.mark_clean();
    if (job.sync_dir) dir_dirty_ = false;
    int64_t durable = std::min(job.up_to_offset, log_end_offset());
    if (durable > recovery_point()) recovery_point_.store(durable, std::memory_order_relaxed);
    last_flush_ms_ = now_ms;
}

void partition_log::flush() {
    flush_job job = prepare_flush();
    run_flush(job);
    complete_flush(job, wall_clock_ms());
}

void partition_log::close() {
    // A clean shutdown leaves every closed segment's key index on disk.
    for (const auto& seg : sealing_) seg->settle_key_seal(true);
    sealing_.clear();
    active()->on_inactive();
    flush();
    snapshot_producers();
    if (epochs_.dirty() && !epochs_.write()) {
        spdlog::error("log: cannot write {}", epochs_.file().string());
    }
}

void partition_log::drop_segment_files(segment& seg, truncation& result) {
    seg.settle_key_seal(false);  // its renames below must not race a seal writing the file
    // Renamed now, unlinked later: a segment created from here on (the fresh
    // one of drop_all_and_start_at, a roll at a truncated base) may reuse a
    // dropped one's name. A rename only touches directory metadata; nothing
    // is fsynced here.
    if (!segment_swap::rename_files(dir_, seg.base_offset(), "", segment_swap::deleted_suffix, true)) return;
    for (auto& path : segment_swap::segment_files(dir_, seg.base_offset(), segment_swap::deleted_suffix)) {
        // Only topics with a key index have a .keyindex to hand on.
        std::error_code ec;
        if (path.extension() == segment_swap::deleted_suffix && path.stem().extension() == format::key_index_suffix &&
            !std::filesystem::exists(path, ec)) {
            continue;
        }
        result.deleted_files.push_back(std::move(path));
    }
}

void partition_log::drop_all_and_start_at(int64_t offset, truncation& result) {
    for (const auto& seg : segments_) drop_segment_files(*seg, result);
    segments_.clear();
    epochs_.clear();
    offset = std::max(offset, int64_t{0});
    if (auto seg = segment::create(dir_, offset, config_, wall_clock_ms())) segments_.push_back(std::move(seg));
    dir_dirty_ = true;
    if (segments_.empty()) {
        // A log always has an active segment; without one nothing can go on.
        spdlog::critical("log: cannot create a segment in {} after truncation", dir_.string());
        std::abort();
    }
    log_start_offset_.store(segments_.front()->base_offset(), std::memory_order_relaxed);
}

void partition_log::persist_epochs_if_dirty() {
    // Synchronous, like Kafka's truncation of its epoch cache: truncation is
    // rare, and batches appended after it must never meet the old entries in
    // a crash's recovery.
    if (epochs_.dirty() && !epochs_.write()) spdlog::error("log: cannot write {}", epochs_.file().string());
}

partition_log::truncation partition_log::truncate_to(int64_t offset) {
    truncation result;
    if (offset >= log_end_offset()) return result;
    if (swapping_) {
        result.done = false;
        return result;
    }
    if (offset <= segments_.front()->base_offset()) {
        drop_all_and_start_at(offset, result);
    } else {
        while (segments_.back()->base_offset() >= offset) {
            drop_segment_files(*segments_.back(), result);
            segments_.pop_back();
            dir_dirty_ = true;
        }
        if (!active()->truncate_to(offset, background_)) spdlog::error("log: cannot truncate {}", active()->log_path().string());
    }
    int64_t end = log_end_offset();
    high_watermark_.store(std::min(high_watermark(), end), std::memory_order_relaxed);
    if (recovery_point() > end) recovery_point_.store(end, std::memory_order_relaxed);
    if (log_start_offset() > end) log_start_offset_.store(end, std::memory_order_relaxed);
    epochs_.truncate_from_end(end);
    persist_epochs_if_dirty();
    // Kafka's truncateAndReload: the newest snapshot still true, then the batches after it.
    drop_producer_snapshots_above(end, result);
    load_producers(false);
    return result;
}

partition_log::truncation partition_log::truncate_fully_and_start_at(protocol::offset offset) {
    truncation result;
    if (swapping_) {
        result.done = false;
        return result;
    }
    drop_all_and_start_at(offset.value(), result);
    const int64_t start = log_start_offset();
    high_watermark_.store(start, std::memory_order_relaxed);
    recovery_point_.store(start, std::memory_order_relaxed);
    // Written even when there were no entries: an older checkpoint file may still hold some.
    if (!epochs_.write()) spdlog::error("log: cannot write {}", epochs_.file().string());
    // None of the old batches remain, so none of the old producer state does.
    drop_producer_snapshots_above(-1, result);
    producers_.clear();
    aborted_.clear();
    unreplicated_.clear();
    return result;
}

}  // namespace sluice::log

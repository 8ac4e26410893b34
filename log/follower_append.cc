// partition_log::append_as_follower: storing batches fetched from the leader
// as they are (Kafka's UnifiedLog.appendAsFollower: analyzeAndValidateRecords
// without LogValidator). Nothing in the batches is rewritten, so the bytes on
// the follower's disk are the leader's, CRCs and epochs included.
#include <spdlog/spdlog.h>

#include "log/format.h"
#include "log/partition_log.h"

namespace sluice::log {

using protocol::error_code;

namespace {

// Kafka's ByteBufferLogInputStream refuses a size field below the smallest
// record of any format (a legacy v0 message) before it looks at anything else.
constexpr int32_t min_size_field = 14;

}  // namespace

error_code partition_log::check_follower_batches(std::span<const uint8_t> batches, size_t& whole) const {
    whole = 0;
    int64_t expected = log_end_offset();
    size_t pos = 0;
    // Fewer bytes than a size field, or a batch longer than what is left: the
    // partial batch a fetch response may end with. It is dropped, as Kafka's
    // reader stops there too.
    while (batches.size() - pos >= protocol::batch_log_overhead) {
        const uint8_t* at = batches.data() + pos;
        const auto length = static_cast<int32_t>(format::load_be32(at + 8));
        if (length < min_size_field) return error_code::corrupt_message;
        const size_t total = static_cast<size_t>(length) + protocol::batch_log_overhead;
        if (total > batches.size() - pos) break;
        const protocol::bytes_view batch(at, total);
        // Magic (0/1: unsupported_for_message_format), a v2 header that fits, CRC-32C.
        if (error_code ec = protocol::check_batch_crc(batch); ec != error_code::none) return ec;
        const auto header = *protocol::read_batch_header(batch);
        if (!plausible_batch_header(header, 0, total)) return error_code::corrupt_message;
        const bool first = pos == 0;
        // Offsets go on from the log end without overlap; a compacted leader
        // may have dropped whole batches, so only a compacted log takes gaps.
        if (header.base_offset < expected || (header.base_offset > expected && !config_.compact)) {
            return first ? error_code::offset_out_of_range : error_code::invalid_record;
        }
        expected = header.last_offset() + 1;
        pos += total;
    }
    whole = pos;
    return error_code::none;
}

bool partition_log::needs_new_segment(uint64_t pending, size_t bytes, int64_t last, int64_t now_ms) const {
    const segment& seg = *active();
    // Index entries hold offsets relative to the segment base in 4 bytes;
    // even an empty segment cannot take a batch past that.
    if (last - seg.base_offset() > INT32_MAX) return true;
    if (seg.empty() && pending == 0) return false;  // a batch larger than segment.bytes still goes somewhere
    const uint64_t size = seg.size() + pending + bytes;
    if (size > static_cast<uint64_t>(config_.segment_bytes) || size > static_cast<uint64_t>(INT32_MAX)) return true;
    // segment.ms and full index files: asked once per run, before its first batch.
    return pending == 0 && seg.should_roll(config_, bytes, last, now_ms);
}

bool partition_log::roll_at(int64_t base, int64_t now_ms) {
    if (active()->empty() && active()->base_offset() == base) return true;
    // An empty active segment at a lower base stays as an empty closed one:
    // removing it here would unlink on the owner executor, and it costs nothing.
    auto next = segment::create(dir_, base, config_, now_ms);
    if (!next) return false;
    poll_key_seals();
    seal_in_background(active());
    segments_.push_back(std::move(next));
    dir_dirty_ = true;
    snapshot_producers();
    return true;
}

append_result partition_log::append_as_follower(std::span<const uint8_t> batches, int64_t now_ms) {
    size_t whole = 0;
    if (error_code ec = check_follower_batches(batches, whole); ec != error_code::none) return {ec};
    if (whole == 0) return {error_code::none};
    poll_key_seals();

    append_result result{error_code::none, -1, -1, -1};
    // Runs of batches that go to the same segment are written with one pwrite.
    size_t run_begin = 0;
    auto write_run = [&](size_t run_end) -> error_code {
        if (run_end == run_begin) return error_code::none;
        const auto run = batches.subspan(run_begin, run_end - run_begin);
        if (error_code ec = active()->append(run, now_ms); ec != error_code::none) return ec;
        for (size_t pos = 0; pos < run.size();) {
            const auto header = *protocol::read_batch_header(run.subspan(pos));
            // A newer epoch starts at its first batch, as Kafka's follower records it.
            epochs_.assign(header.partition_leader_epoch, header.base_offset);
            if (header.producer_id >= 0) {
                std::optional<protocol::txn_marker> marker;
                if (header.is_control()) marker = protocol::read_marker(run.subspan(pos, header.total_size()));
                on_transactions_ended(producers_.replay(header, marker), true);
            }
            if (result.base_offset < 0) result.base_offset = header.base_offset;
            result.last_offset = header.last_offset();
            pos += header.total_size();
        }
        run_begin = run_end;
        return error_code::none;
    };
    for (size_t pos = 0; pos < whole;) {
        const auto header = *protocol::read_batch_header(batches.subspan(pos));
        const size_t size = header.total_size();
        if (needs_new_segment(pos - run_begin, size, header.last_offset(), now_ms)) {
            if (error_code ec = write_run(pos); ec != error_code::none) return {ec};
            if (!roll_at(header.base_offset, now_ms)) return {error_code::kafka_storage_error};
        }
        pos += size;
    }
    if (error_code ec = write_run(whole); ec != error_code::none) return {ec};
    return result;
}

}  // namespace sluice::log

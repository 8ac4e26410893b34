// Rebuilding the coordinator's state from one __consumer_offsets partition:
// read the log from its start to the high watermark a few MiB at a time,
// decode each batch and replay its records in order.
//
// Transactional offset commits (TxnOffsetCommit) are held per producer until
// the batch's COMMIT marker applies them or an ABORT marker drops them, as
// Kafka's loader does. Those still open at the high watermark are not applied
// (the transaction coordinator will finish them).
#include <spdlog/spdlog.h>

#include <unordered_map>

#include "broker/groups/offsets_topic.h"
#include "log/file_util.h"
#include "log/partition_log.h"

namespace sluice::broker::groups {

namespace {

// Per read; a single larger batch still comes whole (min_one_batch).
constexpr size_t load_chunk_bytes = size_t{4} << 20;

// The control record key: int16 version, int16 type (0 abort, 1 commit).
enum class marker { abort, commit, unknown };

marker read_marker(const std::vector<protocol::record>& records) {
    if (records.empty() || !records.front().key) return marker::unknown;
    protocol::reader r(*records.front().key);
    (void)r.read_int16();
    const int16_t type = r.read_int16();
    if (!r.ok()) return marker::unknown;
    return type == 0 ? marker::abort : type == 1 ? marker::commit : marker::unknown;
}

bool copy_slices(const log::read_result& result, protocol::bytes& out) {
    out.clear();
    out.resize(result.bytes);
    size_t at = 0;
    for (const auto& s : result.slices) {
        if (at + s.length > out.size()) return false;
        const int64_t n = log::file_util::pread_full(s.fd, out.data() + at, s.length, s.offset);
        if (n != static_cast<int64_t>(s.length)) return false;
        at += s.length;
    }
    out.resize(at);
    return true;
}

class loader {
public:
    loader(const log::partition_log& log, loaded_groups& groups, int64_t end) : log_(log), groups_(groups), end_(end) {}

    size_t run(pending_txn_records* pending) {
        int64_t offset = log_.log_start_offset();
        const int64_t start = offset;
        const int64_t end = end_;
        protocol::bytes buffer;
        while (offset < end) {
            auto result = log_.read(offset, load_chunk_bytes, end, true);
            if (result.error != protocol::error_code::none) {
                warn("read at {} failed: {}", offset, protocol::error_name(result.error));
                break;
            }
            if (result.slices.empty()) break;
            if (!copy_slices(result, buffer)) {
                warn("read at {} failed: short pread", offset);
                break;
            }
            const int64_t next = replay_batches(buffer, start, end);
            if (next <= offset) {
                warn("no whole batch at {}; stopping", offset);
                break;
            }
            offset = next;
        }
        size_t open = 0;
        for (const auto& [producer, records] : pending_) open += records.size();
        if (open > 0) {
            spdlog::info("{}: {} offset commits of {} open transactions left pending", name(), open,
                         pending_.size());
        }
        if (pending != nullptr) {
            for (auto& [producer, records] : pending_) {
                auto& into = (*pending)[producer];
                std::move(records.begin(), records.end(), std::back_inserter(into));
            }
        }
        return applied_;
    }

private:
    // Replays every whole batch in `data`; returns the offset after the last one.
    int64_t replay_batches(protocol::bytes_view data, int64_t start, int64_t end) {
        int64_t next = -1;
        protocol::batch_iterator batches(data);
        std::vector<protocol::record> records;
        while (auto batch = batches.next()) {
            auto header = protocol::read_batch_header(*batch);
            if (!header || header->magic != protocol::current_magic) {
                warn("unreadable batch header after offset {}", next);
                break;  // its offsets are unknown, so nothing after it can be placed
            }
            next = header->last_offset() + 1;
            records.clear();
            if (auto ec = protocol::decode_records(*batch, records); ec != protocol::error_code::none) {
                warn("skipping batch {}..{}: {}", header->base_offset, header->last_offset(),
                     protocol::error_name(ec));
                continue;
            }
            if (header->is_control()) {
                end_transaction(header->producer_id, read_marker(records));
                continue;
            }
            for (const auto& record : records) {
                // DeleteRecords may leave the log start inside a batch.
                if (record.offset < start || record.offset >= end) continue;
                apply(record, header->is_transactional() ? header->producer_id : -1);
            }
        }
        return next;
    }

    void apply(const protocol::record& record, int64_t transactional_producer) {
        auto decoded = decode_offsets_record(record);
        if (!decoded) {
            warn("skipping malformed record at offset {}", record.offset);
            return;
        }
        if (decoded->type == offsets_record::kind::unknown) return;
        if (transactional_producer >= 0) {
            pending_[transactional_producer].push_back(std::move(*decoded));
            return;
        }
        replay(*decoded, groups_);
        ++applied_;
    }

    void end_transaction(int64_t producer, marker m) {
        auto it = pending_.find(producer);
        if (it == pending_.end()) return;
        if (m == marker::commit) {
            for (const auto& record : it->second) replay(record, groups_);
            applied_ += it->second.size();
        } else if (m == marker::unknown) {
            warn("unknown control record for producer {}; dropping its offsets", producer);
        }
        pending_.erase(it);
    }

    std::string name() const { return log_.partition().dir_name(); }

    template <typename... Args>
    void warn(spdlog::format_string_t<Args...> format, Args&&... args) {
        spdlog::warn("loading {}: {}", name(), fmt::format(format, std::forward<Args>(args)...));
    }

    const log::partition_log& log_;
    loaded_groups& groups_;
    int64_t end_;
    std::unordered_map<int64_t, std::vector<offsets_record>> pending_;
    size_t applied_ = 0;
};

}  // namespace

size_t load_partition(const log::partition_log& log, loaded_groups& groups, pending_txn_records* pending) {
    return loader(log, groups, log.high_watermark()).run(pending);
}

size_t load_partition_to_end(const log::partition_log& log, loaded_groups& groups, pending_txn_records* pending) {
    return loader(log, groups, log.log_end_offset()).run(pending);
}

}  // namespace sluice::broker::groups

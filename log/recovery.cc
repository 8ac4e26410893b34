#include "log/recovery.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "log/file_util.h"
#include "log/format.h"
#include "log/segment_swap.h"
#include "log/leader_epoch_cache.h"

namespace sluice::log {

namespace {

constexpr size_t read_chunk_bytes = 1 << 20;

// A window of the .log kept in memory while recovery walks it.
class chunk_reader {
public:
    chunk_reader(int fd, uint64_t file_size) : fd_(fd), file_size_(file_size) {}

    // [position, position + size) in memory, or nullopt (I/O error or past EOF).
    std::optional<protocol::bytes_view> view(uint64_t position, size_t size) {
        if (position + size > file_size_) return std::nullopt;
        if (position < start_ || position + size > start_ + buffer_.size()) {
            size_t want = std::max(size, read_chunk_bytes);
            want = static_cast<size_t>(std::min<uint64_t>(want, file_size_ - position));
            buffer_.resize(want);
            if (file_util::pread_full(fd_, buffer_.data(), want, position) != static_cast<int64_t>(want)) {
                buffer_.clear();
                failed_ = true;
                return std::nullopt;
            }
            start_ = position;
        }
        return protocol::bytes_view(buffer_.data() + (position - start_), size);
    }
    bool failed() const { return failed_; }

private:
    int fd_;
    uint64_t file_size_;
    uint64_t start_ = 0;
    protocol::bytes buffer_;
    bool failed_ = false;
};

bool ends_with(const std::string& s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::optional<uint64_t> recover_segment(segment& seg, int64_t min_offset,
                                        const std::function<void(const protocol::batch_header&)>& on_batch) {
    int64_t file_size = file_util::file_size(seg.fd());
    if (file_size < 0 || !seg.reset_indexes()) return std::nullopt;
    chunk_reader reader(seg.fd(), static_cast<uint64_t>(file_size));
    uint64_t position = 0;
    int64_t expected = std::max(min_offset, seg.base_offset());
    while (auto head = reader.view(position, protocol::batch_header_size)) {
        auto header = protocol::read_batch_header(*head);
        if (!header || !plausible_batch_header(*header, position, static_cast<uint64_t>(file_size)) ||
            header->base_offset < expected || header->last_offset() - seg.base_offset() > INT32_MAX) {
            break;
        }
        auto whole = reader.view(position, header->total_size());
        if (!whole || protocol::check_batch_crc(*whole) != protocol::error_code::none) break;
        seg.index_batch(*header, position);
        seg.index_keys(*whole, position);
        on_batch(*header);
        expected = header->last_offset() + 1;
        position += header->total_size();
    }
    if (reader.failed()) return std::nullopt;
    if (!seg.truncate_log(position)) return std::nullopt;
    seg.persist_indexes();
    seg.seal_keys();
    return static_cast<uint64_t>(file_size) - position;
}

std::optional<loaded_segments> load_segments(const std::filesystem::path& dir, const log_config& config,
                                             bool clean_shutdown, int64_t recovery_point,
                                             leader_epoch_cache& epochs) {
    // A cleaner swap a crash interrupted is finished first (log/segment_swap.h).
    if (!segment_swap::complete_interrupted_swaps(dir)) {
        spdlog::error("log: cannot complete the segment swaps in {}", dir.string());
        return std::nullopt;
    }
    std::set<int64_t> bases;
    std::vector<std::filesystem::path> index_files;
    std::error_code ec;
    for (const auto& item : std::filesystem::directory_iterator(dir, ec)) {
        if (!item.is_regular_file(ec)) continue;
        const auto& path = item.path();
        std::string name = path.filename().string();
        auto base = format::parse_file_stem(path.stem().string());
        if (ends_with(name, format::temp_suffix) || ends_with(name, ".deleted") || ends_with(name, ".cleaned")) {
            std::filesystem::remove(path, ec);  // leftovers of interrupted writes and deletes
        } else if (ends_with(name, segment_swap::swap_suffix)) {
            // complete_interrupted_swaps() took every .log.swap: index
            // .swap files left without one belong to a swap never decided.
            std::filesystem::remove(path, ec);
        } else if (base && path.extension() == format::log_suffix) {
            bases.insert(*base);
        } else if (base && (path.extension() == format::offset_index_suffix ||
                            path.extension() == format::time_index_suffix ||
                            path.extension() == format::key_index_suffix)) {
            index_files.push_back(path);
        }
    }
    if (ec) {
        spdlog::error("log: cannot list {}: {}", dir.string(), ec.message());
        return std::nullopt;
    }
    for (const auto& path : index_files) {
        if (!bases.contains(*format::parse_file_stem(path.stem().string()))) std::filesystem::remove(path, ec);
    }

    loaded_segments loaded;
    for (int64_t base : bases) {
        auto seg = segment::open_existing(dir, base, config);
        if (!seg) return std::nullopt;
        loaded.segments.push_back(std::move(seg));
    }
    auto& segments = loaded.segments;
    auto& report = loaded.report;

    // Segments before `first_unsafe` were fsynced (or shut down cleanly).
    size_t first_unsafe = segments.size();
    if (!clean_shutdown) {
        first_unsafe = 0;
        while (first_unsafe + 1 < segments.size() && segments[first_unsafe + 1]->base_offset() <= recovery_point) {
            ++first_unsafe;
        }
    }
    // Entries of the checkpoint from the first re-validated segment on are
    // re-read from the batches below; kept, they could name epochs a
    // truncation removed (the batches appended after it would then be
    // recorded under the wrong start, or not at all).
    if (first_unsafe < segments.size()) epochs.truncate_from_end(segments[first_unsafe]->base_offset());
    auto record_epoch = [&](const protocol::batch_header& h) { epochs.assign(h.partition_leader_epoch, h.base_offset); };
    int64_t next_offset = 0;
    for (size_t i = 0; i < segments.size(); ++i) {
        segment& seg = *segments[i];
        bool trusted = i < first_unsafe && seg.load_trusted();
        if (!trusted) {
            if (i < first_unsafe) {
                ++report.indexes_rebuilt;
                spdlog::warn("log: rebuilding the indexes of {}", seg.log_path().string());
            }
            auto cut = recover_segment(seg, next_offset, record_epoch);
            if (!cut) return std::nullopt;
            ++report.segments_scanned;
            report.bytes_truncated += *cut;
            if (*cut > 0) spdlog::warn("log: truncated {} bytes of {}", *cut, seg.log_path().string());
            // After a cut in the unflushed part, later segments cannot be trusted to follow on.
            if (*cut > 0 && i >= first_unsafe) {
                for (size_t j = i + 1; j < segments.size(); ++j) {
                    segments[j]->remove_files();
                    ++report.segments_removed;
                }
                segments.resize(i + 1);
            }
        }
        next_offset = std::max(next_offset, seg.next_offset());
    }
    return loaded;
}

}  // namespace sluice::log

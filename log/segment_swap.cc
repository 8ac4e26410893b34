#include "log/segment_swap.h"

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "log/file_util.h"
#include "log/format.h"
#include "log/segment.h"
#include "protocol/record_batch.h"

namespace sluice::log::segment_swap {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::array<std::filesystem::path, 4> segment_files(const std::filesystem::path& dir, int64_t base,
                                                   std::string_view suffix) {
    std::string stem = format::file_stem(base);
    std::string tail(suffix);
    return {dir / (stem + std::string(format::log_suffix) + tail),
            dir / (stem + std::string(format::offset_index_suffix) + tail),
            dir / (stem + std::string(format::time_index_suffix) + tail),
            dir / (stem + std::string(format::key_index_suffix) + tail)};
}

std::array<std::string, 4> segment_names(int64_t base, std::string_view suffix) {
    auto paths = segment_files({}, base, suffix);
    return {paths[0].filename().string(), paths[1].filename().string(), paths[2].filename().string(),
            paths[3].filename().string()};
}

bool rename_files(const file_util::directory& dir, int64_t base, std::string_view from, std::string_view to,
                  bool log_first) {
    auto src = segment_names(base, from);
    auto dst = segment_names(base, to);
    const std::array<size_t, 4> order =
        log_first ? std::array<size_t, 4>{0, 1, 2, 3} : std::array<size_t, 4>{1, 2, 3, 0};
    for (size_t i : order) {
        if (dir.rename(src[i], dst[i])) continue;
        if (errno == ENOENT && i != 0) continue;  // an index may be missing: it is rebuilt at open
        spdlog::error("log: cannot rename {} to {}: {}", src[i], dst[i], std::strerror(errno));
        return false;
    }
    return true;
}

bool rename_files(const std::filesystem::path& dir, int64_t base, std::string_view from, std::string_view to,
                  bool log_first) {
    auto src = segment_files(dir, base, from);
    auto dst = segment_files(dir, base, to);
    const std::array<size_t, 4> order =
        log_first ? std::array<size_t, 4>{0, 1, 2, 3} : std::array<size_t, 4>{1, 2, 3, 0};
    for (size_t i : order) {
        if (::rename(src[i].c_str(), dst[i].c_str()) == 0) continue;
        if (errno == ENOENT && i != 0) continue;  // an index may be missing: it is rebuilt at open
        spdlog::error("log: cannot rename {} to {}: {}", src[i].string(), dst[i].string(), std::strerror(errno));
        return false;
    }
    return true;
}

int64_t next_offset_of(const std::filesystem::path& path, int64_t base) {
    int fd = file_util::open_file(path, O_RDONLY);
    if (fd < 0) return -1;
    int64_t size = file_util::file_size(fd);
    int64_t next = base;
    uint64_t position = 0;
    uint8_t raw[protocol::batch_header_size];
    while (size >= 0 && position + sizeof raw <= static_cast<uint64_t>(size)) {
        if (file_util::pread_full(fd, raw, sizeof raw, position) != static_cast<int64_t>(sizeof raw)) break;
        auto header = protocol::read_batch_header(protocol::bytes_view(raw, sizeof raw));
        if (!header || !plausible_batch_header(*header, position, static_cast<uint64_t>(size))) break;
        next = header->last_offset() + 1;
        position += header->total_size();
    }
    ::close(fd);
    return size < 0 ? -1 : next;
}

bool complete_interrupted_swaps(const std::filesystem::path& dir) {
    std::map<int64_t, int64_t> swaps;  // base -> next offset
    std::vector<std::pair<int64_t, std::filesystem::path>> originals;
    std::error_code ec;
    for (const auto& item : std::filesystem::directory_iterator(dir, ec)) {
        const std::string name = item.path().filename().string();
        const std::string log_swap = std::string(format::log_suffix) + std::string(swap_suffix);
        if (ends_with(name, log_swap)) {
            auto base = format::parse_file_stem(name.substr(0, name.size() - log_swap.size()));
            if (!base) continue;
            int64_t next = next_offset_of(item.path(), *base);
            if (next < 0) return false;
            swaps[*base] = next;
            continue;
        }
        auto base = format::parse_file_stem(item.path().stem().string());
        auto ext = item.path().extension();
        if (base && (ext == format::log_suffix || ext == format::offset_index_suffix ||
                     ext == format::time_index_suffix || ext == format::key_index_suffix)) {
            originals.emplace_back(*base, item.path());
        }
    }
    if (ec) return false;
    if (swaps.empty()) return true;
    for (const auto& [base, path] : originals) {
        auto it = swaps.upper_bound(base);
        if (it == swaps.begin()) continue;
        --it;
        // Covered by a swap: an original of the range (a final name equal to
        // the swap's base is the old segment too: finals appear only after
        // every original is gone and the .log.swap has been renamed).
        if (base < std::max(it->second, it->first + 1)) {
            spdlog::warn("log: completing a segment swap: deleting {}", path.string());
            std::filesystem::remove(path, ec);
            if (ec) return false;
        }
    }
    for (const auto& [base, next] : swaps) {
        spdlog::warn("log: completing the segment swap of {}/{} (offsets {}..{})", dir.string(),
                     format::file_stem(base), base, next);
        if (!rename_files(dir, base, swap_suffix, "", true)) return false;
    }
    return file_util::fsync_dir(dir);
}

}  // namespace sluice::log::segment_swap

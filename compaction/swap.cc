#include "compaction/swap.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "compaction/cleaner.h"
#include "log/file_util.h"
#include "log/recovery.h"
#include "log/segment_swap.h"

namespace sluice::compaction {

namespace sw = log::segment_swap;

swap_outcome swap_in(log::partition_log& log, const cleaned_group& group, const swap_hook& hook) {
    const auto& dir = log.dir();
    auto step = [&](swap_step s) { return !hook || hook(s); };
    if (!log.holds_closed_run(group.originals, group.original_sizes)) {
        discard_staged(dir, group);
        return swap_outcome::stale;
    }
    // 2. The commit point: once <base>.log.swap exists, recovery finishes the swap.
    if (!sw::rename_files(dir, group.base_offset, sw::cleaned_suffix, sw::swap_suffix, false) ||
        !log::file_util::fsync_dir(dir)) {
        return swap_outcome::io_error;
    }
    if (!step(swap_step::renamed_to_swap)) return swap_outcome::stopped;

    // 3. Originals out of the way. Their segment objects keep open fds, so
    // reads in flight (and this log until step 5) still see the old data.
    for (size_t i = 0; i < group.originals.size(); ++i) {
        if (!sw::rename_files(dir, group.originals[i]->base_offset(), "", sw::deleted_suffix, true)) {
            return swap_outcome::io_error;
        }
        if (i == 0 && !step(swap_step::deleted_one_original)) return swap_outcome::stopped;
    }
    if (!log::file_util::fsync_dir(dir)) return swap_outcome::io_error;
    std::error_code ec;
    for (const auto& seg : group.originals) {
        for (const auto& path : sw::segment_files(dir, seg->base_offset(), sw::deleted_suffix)) {
            std::filesystem::remove(path, ec);
        }
    }
    if (!step(swap_step::deleted_originals)) return swap_outcome::stopped;

    // 4. Final names, .log first: a stray index .swap is then just a leftover.
    auto swapped = sw::segment_files(dir, group.base_offset, sw::swap_suffix);
    auto final_names = sw::segment_files(dir, group.base_offset, "");
    if (::rename(swapped[0].c_str(), final_names[0].c_str()) != 0) {
        spdlog::error("compaction: cannot rename {}: {}", swapped[0].string(), std::strerror(errno));
        return swap_outcome::io_error;
    }
    if (!step(swap_step::renamed_log)) return swap_outcome::stopped;
    for (size_t i = 1; i < 3; ++i) {
        if (::rename(swapped[i].c_str(), final_names[i].c_str()) != 0 && errno != ENOENT) {
            return swap_outcome::io_error;
        }
    }
    if (!log::file_util::fsync_dir(dir)) return swap_outcome::io_error;
    if (!step(swap_step::renamed_all)) return swap_outcome::stopped;

    // 5. Memory: the new segment replaces the run.
    auto seg = log::segment::open_existing(dir, group.base_offset, log.config());
    if (!seg) return swap_outcome::io_error;
    if (!seg->load_trusted()) {
        if (!log::recover_segment(*seg, group.base_offset, [](const protocol::batch_header&) {})) {
            return swap_outcome::io_error;
        }
    }
    if (!log.replace_segments(group.originals, std::move(seg))) return swap_outcome::io_error;
    return swap_outcome::swapped;
}

}  // namespace sluice::compaction

#include "compaction/swap.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>

#include "compaction/cleaner.h"
#include "log/recovery.h"
#include "log/segment_swap.h"

namespace sluice::compaction {

namespace sw = log::segment_swap;

namespace {

void remove_staged(const log::file_util::directory& dir, const cleaned_group& group) {
    for (const auto& name : sw::segment_names(group.base_offset, group.suffix)) dir.remove(name);
}

// Steps 2-4 and the open of the new segment, for one group.
swap_outcome swap_group(const swap_job& job, const cleaned_group& group, const swap_hook& hook,
                        std::shared_ptr<log::segment>& out) {
    const auto& dir = *job.handle;
    auto step = [&](swap_step s) { return !hook || hook(s); };
    // 2. The commit point: once <base>.log.swap exists, recovery finishes the swap.
    if (!sw::rename_files(dir, group.base_offset, group.suffix, sw::swap_suffix, false) || !dir.sync()) {
        return swap_outcome::io_error;
    }
    if (!step(swap_step::renamed_to_swap)) return swap_outcome::stopped;

    // 3. Originals out of the way. Their segment objects keep open fds, so
    // reads in flight (and the log until finish_swap) still see the old data.
    for (size_t i = 0; i < group.originals.size(); ++i) {
        if (!sw::rename_files(dir, group.originals[i]->base_offset(), "", sw::deleted_suffix, true)) {
            return swap_outcome::io_error;
        }
        if (i == 0 && !step(swap_step::deleted_one_original)) return swap_outcome::stopped;
    }
    if (!dir.sync()) return swap_outcome::io_error;
    for (const auto& seg : group.originals) {
        for (const auto& name : sw::segment_names(seg->base_offset(), sw::deleted_suffix)) dir.remove(name);
    }
    if (!step(swap_step::deleted_originals)) return swap_outcome::stopped;

    // 4. Final names, .log first: a stray index .swap is then just a leftover.
    auto swapped = sw::segment_names(group.base_offset, sw::swap_suffix);
    auto final_names = sw::segment_names(group.base_offset, "");
    if (!dir.rename(swapped[0], final_names[0])) {
        spdlog::error("compaction: cannot rename {}: {}", swapped[0], std::strerror(errno));
        return swap_outcome::io_error;
    }
    if (!step(swap_step::renamed_log)) return swap_outcome::stopped;
    for (size_t i = 1; i < final_names.size(); ++i) {
        if (!dir.rename(swapped[i], final_names[i]) && errno != ENOENT) return swap_outcome::io_error;
    }
    if (!dir.sync()) return swap_outcome::io_error;
    if (!step(swap_step::renamed_all)) return swap_outcome::stopped;

    // The new segment is opened by path; the path must still lead to this
    // directory (not a re-created partition's), and the file opened must be
    // the one just renamed.
    if (!dir.is_at(job.dir)) return swap_outcome::stale;
    auto seg = log::segment::open_existing(job.dir, group.base_offset, job.config);
    if (!seg || !dir.holds(final_names[0], seg->fd())) return seg ? swap_outcome::stale : swap_outcome::io_error;
    if (!seg->load_trusted()) {
        if (!log::recover_segment(*seg, group.base_offset, [](const protocol::batch_header&) {})) {
            return swap_outcome::io_error;
        }
    }
    out = std::move(seg);
    return swap_outcome::swapped;
}

}  // namespace

swap_job begin_swap(log::partition_log& log, const std::vector<cleaned_group>& groups) {
    swap_job job;
    job.tp = log.partition();
    job.incarnation = log.incarnation();
    job.dir = log.dir();
    job.config = log.config();
    for (const auto& g : groups) {
        // Groups are independent; the first stale one ends the swap (as if
        // the log had changed just there) and the rest are dropped with it.
        if (job.stale.empty() && log.holds_closed_run(g.originals, g.original_sizes)) {
            job.groups.push_back(g);
        } else {
            job.stale.push_back(g);
        }
    }
    // One open(2) of the partition dir, so the job cannot be misled by a
    // later rename of it.
    job.handle = log::file_util::directory::open(job.dir);
    if (!job.handle) {
        spdlog::error("compaction: cannot open {}: {}", job.dir.string(), std::strerror(errno));
        job.stale.insert(job.stale.begin(), job.groups.begin(), job.groups.end());
        job.groups.clear();
        job.outcome = swap_outcome::io_error;
    }
    if (!job.groups.empty()) {
        log.begin_segment_swap();
        job.marked = true;
    }
    return job;
}

void run_swap(swap_job& job, const swap_hook& hook) {
    if (!job.handle) {
        for (const auto& g : job.stale) discard_staged(job.dir, g);
        return;
    }
    size_t i = 0;
    for (; i < job.groups.size(); ++i) {
        std::shared_ptr<log::segment> seg;
        swap_outcome outcome = swap_group(job, job.groups[i], hook, seg);
        if (outcome != swap_outcome::swapped) {
            job.outcome = outcome;
            break;
        }
        job.swapped.push_back(std::move(seg));
    }
    if (job.outcome == swap_outcome::stopped) return;  // the simulated crash: files stay as they are
    // A group that failed keeps its files for recovery to judge; those after it go.
    for (size_t j = i + 1; j < job.groups.size(); ++j) remove_staged(*job.handle, job.groups[j]);
    for (const auto& g : job.stale) remove_staged(*job.handle, g);
}

swap_outcome finish_swap(log::partition_log& log, swap_job& job) {
    for (size_t i = 0; i < job.swapped.size(); ++i) {
        if (!log.replace_segments(job.groups[i].originals, std::move(job.swapped[i]))) {
            // The log was marked: nothing may have dropped these segments.
            spdlog::error("compaction: {} changed during a segment swap; its files hold the cleaned data",
                          log.partition().dir_name());
            job.outcome = swap_outcome::io_error;
            break;
        }
    }
    if (job.marked) log.end_segment_swap();
    job.marked = false;
    if (job.outcome != swap_outcome::swapped) return job.outcome;
    return job.stale.empty() ? swap_outcome::swapped : swap_outcome::stale;
}

swap_outcome swap_in(log::partition_log& log, const cleaned_group& group, const swap_hook& hook) {
    swap_job job = begin_swap(log, {group});
    run_swap(job, hook);
    return finish_swap(log, job);
}

}  // namespace sluice::compaction

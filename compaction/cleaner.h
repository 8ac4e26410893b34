#pragma once
// One cleaner thread's work on one clean_task (Kafka's Cleaner.doClean):
//  1. map: read the dirty section [first dirty, first uncleanable) and put
//     each key's latest offset into the key map; when the map fills, the
//     pass ends at the first record not mapped (the rest waits for the next
//     pass, which starts there);
//  2. clean: every cleanable segment below that end, grouped into runs
//     whose total size fits segment.bytes and the index limits, is rewritten
//     through batch_filter into one `<base>.*.cleaned` segment beside the
//     originals, fsynced. The last batch of each run is kept even if emptied,
//     so the staged segment ends exactly where its run did.
// Owns the memory it uses (key map, read and write buffers, reused across
// tasks) and touches nothing of the live partition_log: only snapshots.
#include <cstdint>
#include <memory>

#include "compaction/batch_filter.h"
#include "compaction/clean_task.h"
#include "compaction/cleaner_config.h"
#include "compaction/key_map.h"
#include "compaction/throttler.h"

namespace sluice::compaction {

class cleaner {
public:
    // `throttle` may be null (unthrottled); it must outlive the cleaner.
    cleaner(const cleaner_config& config, throttler* throttle);

    clean_result run(const clean_task& task);
    const key_map& map() const { return map_; }

private:

    clean_result run_passes(const clean_task& task);
    clean_error build_map(const clean_task& task, int64_t& end_offset, clean_stats& stats);
    clean_error write_group(const clean_task& task, size_t first, size_t last, cleaned_group& group,
                            clean_stats& stats);

    cleaner_config config_;
    throttler* throttle_;
    key_map map_;
    batch_filter filter_;
    protocol::bytes read_buffer_;
    protocol::bytes write_buffer_;
};

// Deletes the staged `.cleaned` files of `group` (a task abandoned or stale).
void discard_staged(const std::filesystem::path& dir, const cleaned_group& group);

}  // namespace sluice::compaction

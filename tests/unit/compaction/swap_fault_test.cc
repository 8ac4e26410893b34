// Simulated kill -9 at each step of the segment swap: the protocol stops at
// the step (swap_hook returns false), the partition_log is dropped without
// close(), and the reopened log must hold either the old or the new
// segments: every key's latest value, offsets increasing, no leftovers.
#include <gtest/gtest.h>

#include <set>

#include "log/segment_swap.h"

#include "unit/compaction/compaction_test_util.h"

namespace sluice::compaction {
namespace {

using namespace testing;

struct crash_case {
    swap_step step;
    bool expect_new;  // recovery lands on the cleaned segments
};

std::string step_name(swap_step step) {
    switch (step) {
        case swap_step::renamed_to_swap: return "renamed_to_swap";
        case swap_step::deleted_one_original: return "deleted_one_original";
        case swap_step::deleted_originals: return "deleted_originals";
        case swap_step::renamed_log: return "renamed_log";
        case swap_step::renamed_all: return "renamed_all";
    }
    return "unknown";
}

class swap_fault_test : public ::testing::TestWithParam<crash_case> {};

void write_log(log::partition_log& log) {
    // Three closed segments with overwritten keys, an active one.
    append_segment(log, {{"a", "a1"}, {"b", "b1"}, {"c", "c1"}}, 1000);         // 0..2
    append_segment(log, {{"a", "a2"}, {"d", "d1"}, {"b", std::nullopt}}, 2000);  // 3..5
    append_segment(log, {{"a", "a3"}, {"e", "e1"}}, 3000);                      // 6..7
    append(log, {{"f", "f1"}}, 4000);                                          // 8 active
}

void check_log(const log::partition_log& log, bool expect_new) {
    auto records = read_all(log);
    std::set<int64_t> offsets;
    for (size_t i = 0; i < records.size(); ++i) {
        EXPECT_TRUE(offsets.insert(records[i].offset).second) << "duplicate offset " << records[i].offset;
        if (i == 0) continue;
        EXPECT_LT(records[i - 1].offset, records[i].offset);
    }
    auto latest = latest_by_key(records);
    EXPECT_EQ(latest["a"], std::make_pair(int64_t{6}, std::optional<std::string>("a3")));
    EXPECT_EQ(latest["b"].first, 5);
    EXPECT_FALSE(latest["b"].second.has_value());
    EXPECT_EQ(latest["c"].second, "c1");
    EXPECT_EQ(latest["d"].second, "d1");
    EXPECT_EQ(latest["e"].second, "e1");
    EXPECT_EQ(latest["f"].second, "f1");
    EXPECT_EQ(log.log_end_offset(), 9);
    if (expect_new) {
        EXPECT_EQ(offsets, (std::set<int64_t>{2, 4, 5, 6, 7, 8}));
    } else {
        EXPECT_EQ(offsets.size(), 9u);
    }
    EXPECT_EQ(count_files_with(log.dir(), ".cleaned"), 0u);
    EXPECT_EQ(count_files_with(log.dir(), ".swap"), 0u);
    EXPECT_EQ(count_files_with(log.dir(), ".deleted"), 0u);
}

TEST_P(swap_fault_test, crash_recovers_to_old_or_new_segments) {
    temp_dir dir;
    auto log = open_log(dir.path(), compact_config());
    write_log(*log);
    log->flush();
    log_cleaner lc(small_cleaner_config());
    cleaner worker(small_cleaner_config(), nullptr);
    const crash_case c = GetParam();
    auto outcome = clean_once(lc, worker, *log, 10000, [&](swap_step s) { return s != c.step; });
    ASSERT_EQ(outcome, commit_outcome::stopped);
    log.reset();  // the crash: no close()
    auto reopened = open_log(dir.path(), compact_config(), /*clean_shutdown=*/false);
    ASSERT_NE(reopened, nullptr);
    check_log(*reopened, c.expect_new);
    // And the cleaner can go on from there.
    log_cleaner again(small_cleaner_config());
    reopened->set_high_watermark(reopened->log_end_offset());
    auto next = clean_once(again, worker, *reopened, 20000);
    ASSERT_EQ(next, commit_outcome::committed);
    check_log(*reopened, true);
}

INSTANTIATE_TEST_SUITE_P(steps, swap_fault_test,
                         ::testing::Values(crash_case{swap_step::renamed_to_swap, true},
                                           crash_case{swap_step::deleted_one_original, true},
                                           crash_case{swap_step::deleted_originals, true},
                                           crash_case{swap_step::renamed_log, true},
                                           crash_case{swap_step::renamed_all, true}),
                         [](const auto& info) { return step_name(info.param.step); });

// Before the commit point: only .cleaned files exist (the cleaner thread's
// output); the crash leaves the old segments.
TEST(swap_fault, crash_after_writing_cleaned_files_keeps_old_segments) {
    temp_dir dir;
    auto log = open_log(dir.path(), compact_config());
    write_log(*log);
    log_cleaner lc(small_cleaner_config());
    cleaner worker(small_cleaner_config(), nullptr);
    auto task = lc.plan(*log, 10000);
    ASSERT_TRUE(task.has_value());
    auto result = worker.run(*task);
    ASSERT_EQ(result.error, clean_error::none);
    EXPECT_GT(count_files_with(log->dir(), ".log" + staged_suffix(log->incarnation())), 0u);
    log.reset();
    auto reopened = open_log(dir.path(), compact_config(), false);
    check_log(*reopened, false);
}

// Half-renamed to .swap (index files moved, .log still .cleaned): undecided.
TEST(swap_fault, crash_while_renaming_to_swap_keeps_old_segments) {
    temp_dir dir;
    auto log = open_log(dir.path(), compact_config());
    write_log(*log);
    log_cleaner lc(small_cleaner_config());
    cleaner worker(small_cleaner_config(), nullptr);
    auto task = lc.plan(*log, 10000);
    auto result = worker.run(*task);
    ASSERT_EQ(result.groups.size(), 1u);
    auto cleaned = log::segment_swap::segment_files(log->dir(), 0, staged_suffix(log->incarnation()));
    auto swapped = log::segment_swap::segment_files(log->dir(), 0, ".swap");
    ASSERT_EQ(::rename(cleaned[1].c_str(), swapped[1].c_str()), 0);
    log.reset();
    auto reopened = open_log(dir.path(), compact_config(), false);
    check_log(*reopened, false);
}

}  // namespace
}  // namespace sluice::compaction

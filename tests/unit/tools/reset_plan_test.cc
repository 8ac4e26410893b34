// The offset reset plan: each target, the clamping of --to-offset and
// --shift-by to [log start, log end], and the cases Kafka refuses.
#include "tools/cli/reset_plan.h"

#include <gtest/gtest.h>

namespace sluice::tools {
namespace {

using k = reset_target::kind;

std::vector<partition_position> two_partitions() {
    // p0: records 10..100, committed 40; p1: records 0..50, nothing committed.
    return {{"t", 0, 40, 10, 100, std::nullopt}, {"t", 1, std::nullopt, 0, 50, std::nullopt}};
}

std::vector<int64_t> offsets_of(const reset_plan& plan) {
    std::vector<int64_t> out;
    for (const auto& o : plan.offsets)
        out.push_back(o.new_offset);
    return out;
}

TEST(reset_plan, earliest_latest_current) {
    EXPECT_EQ(offsets_of(plan_reset({k::earliest, 0}, two_partitions())), (std::vector<int64_t>{10, 0}));
    EXPECT_EQ(offsets_of(plan_reset({k::latest, 0}, two_partitions())), (std::vector<int64_t>{100, 50}));
    // No committed offset: Kafka resets to the log end.
    EXPECT_EQ(offsets_of(plan_reset({k::current, 0}, two_partitions())), (std::vector<int64_t>{40, 50}));
}

TEST(reset_plan, to_offset_is_clamped_with_a_note) {
    auto plan = plan_reset({k::offset, 60}, two_partitions());
    EXPECT_EQ(offsets_of(plan), (std::vector<int64_t>{60, 50}));
    EXPECT_TRUE(plan.offsets[0].note.empty());
    EXPECT_NE(plan.offsets[1].note.find("higher than latest offset for topic partition t-1"), std::string::npos);
    auto low = plan_reset({k::offset, 5}, two_partitions());
    EXPECT_EQ(offsets_of(low), (std::vector<int64_t>{10, 5}));
    EXPECT_NE(low.offsets[0].note.find("lower than earliest offset"), std::string::npos);
}

TEST(reset_plan, shift_by_moves_from_committed_and_clamps) {
    std::vector<partition_position> p = {two_partitions()[0]};
    EXPECT_EQ(offsets_of(plan_reset({k::shift_by, 5}, p)), (std::vector<int64_t>{45}));
    EXPECT_EQ(offsets_of(plan_reset({k::shift_by, -35}, p)), (std::vector<int64_t>{10}));
    EXPECT_EQ(offsets_of(plan_reset({k::shift_by, 1000}, p)), (std::vector<int64_t>{100}));
    // No wrap-around at the extremes.
    EXPECT_EQ(offsets_of(plan_reset({k::shift_by, INT64_MAX}, p)), (std::vector<int64_t>{100}));
    EXPECT_EQ(offsets_of(plan_reset({k::shift_by, INT64_MIN}, p)), (std::vector<int64_t>{10}));
}

TEST(reset_plan, shift_by_without_committed_offset_is_an_error) {
    auto plan = plan_reset({k::shift_by, 1}, two_partitions());
    EXPECT_TRUE(plan.offsets.empty());
    EXPECT_EQ(plan.error, "Cannot shift offset for partition t-1 since there is no current committed offset");
}

TEST(reset_plan, timestamp_uses_the_found_offset_or_the_log_end) {
    auto p = two_partitions();
    p[0].offset_for_timestamp = 70;
    p[1].offset_for_timestamp = -1;  // no record that new
    EXPECT_EQ(offsets_of(plan_reset({k::timestamp, 123}, p)), (std::vector<int64_t>{70, 50}));
}

TEST(reset_plan, no_partitions_no_offsets) {
    auto plan = plan_reset({k::earliest, 0}, {});
    EXPECT_TRUE(plan.offsets.empty());
    EXPECT_TRUE(plan.error.empty());
}

}  // namespace
}  // namespace sluice::tools

#include "log/checkpoint_file.h"

#include <gtest/gtest.h>

#include <fstream>

#include "log/file_util.h"
#include "log/leader_epoch_cache.h"
#include "log_test_util.h"

namespace sluice::log {
namespace {

using testing::temp_dir;

void write_text(const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

TEST(checkpoint_file, offset_checkpoint_round_trips_in_kafka_format) {
    temp_dir dir;
    offset_checkpoint offsets{{{"orders", 0}, 42}, {{"my-topic.v2_x", 11}, 7}};
    ASSERT_TRUE(write_offset_checkpoint(dir.path() / "cp", offsets));
    std::string text;
    ASSERT_TRUE(file_util::read_small_file(dir.path() / "cp", text));
    EXPECT_EQ(text, "0\n2\nmy-topic.v2_x 11 7\norders 0 42\n");
    EXPECT_EQ(read_offset_checkpoint(dir.path() / "cp"), offsets);
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "cp.tmp"));
}

TEST(checkpoint_file, empty_offset_checkpoint_round_trips) {
    temp_dir dir;
    ASSERT_TRUE(write_offset_checkpoint(dir.path() / "cp", {}));
    EXPECT_EQ(read_offset_checkpoint(dir.path() / "cp"), offset_checkpoint{});
}

TEST(checkpoint_file, missing_file_reads_as_nullopt) {
    temp_dir dir;
    EXPECT_FALSE(read_offset_checkpoint(dir.path() / "absent").has_value());
    EXPECT_FALSE(read_epoch_checkpoint(dir.path() / "absent").has_value());
}

TEST(checkpoint_file, malformed_offset_checkpoints_are_rejected) {
    for (const char* text : {
             "",                          // empty
             "garbage\x01\x02",           // binary junk
             "1\n1\nt 0 5\n",             // unknown version
             "0\n2\nt 0 5\n",             // count larger than lines
             "0\n0\nt 0 5\n",             // count smaller than lines
             "0\n1\nt 0\n",               // missing field
             "0\n1\nt 0 5 9\n",           // extra field
             "0\n1\nt x 5\n",             // partition not a number
             "0\n1\nt 0 5x\n",            // trailing junk in a number
             "0\n1\nt -1 5\n",            // negative partition
             "0\n-1\n",                   // negative count
         }) {
        EXPECT_FALSE(parse_offset_checkpoint(text).has_value()) << "accepted: " << text;
    }
}

TEST(checkpoint_file, file_without_final_newline_is_accepted) {
    auto parsed = parse_offset_checkpoint("0\n1\nt 3 9");
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->at(topic_partition{"t", 3}), 9);
}

TEST(checkpoint_file, epoch_checkpoint_round_trips_in_kafka_format) {
    temp_dir dir;
    std::vector<epoch_entry> entries{{0, 0}, {3, 120}, {4, 500}};
    ASSERT_TRUE(write_epoch_checkpoint(dir.path() / "e", entries));
    std::string text;
    ASSERT_TRUE(file_util::read_small_file(dir.path() / "e", text));
    EXPECT_EQ(text, "0\n3\n0 0\n3 120\n4 500\n");
    EXPECT_EQ(read_epoch_checkpoint(dir.path() / "e"), entries);
}

TEST(checkpoint_file, epoch_checkpoint_going_backwards_is_rejected) {
    EXPECT_FALSE(parse_epoch_checkpoint("0\n2\n3 100\n2 200\n").has_value());
    EXPECT_FALSE(parse_epoch_checkpoint("0\n2\n2 100\n3 50\n").has_value());
}

TEST(leader_epoch_cache, assign_keeps_only_newer_epochs) {
    temp_dir dir;
    leader_epoch_cache cache(dir.path() / "leader-epoch-checkpoint");
    cache.assign(-1, 0);  // no epoch
    cache.assign(1, 0);
    cache.assign(1, 10);  // same epoch: no new entry
    cache.assign(0, 20);  // older epoch: ignored
    cache.assign(2, 30);
    EXPECT_EQ(cache.entries(), (std::vector<epoch_entry>{{1, 0}, {2, 30}}));
    EXPECT_TRUE(cache.dirty());
    ASSERT_TRUE(cache.write());
    leader_epoch_cache reloaded(cache.file());
    ASSERT_TRUE(reloaded.load());
    EXPECT_EQ(reloaded.entries(), cache.entries());
}

TEST(leader_epoch_cache, end_offset_for_epoch) {
    leader_epoch_cache cache("/nonexistent");
    cache.assign(1, 0);
    cache.assign(3, 30);
    EXPECT_EQ(cache.end_offset_for(-1, 100), (epoch_entry{-1, -1}));
    EXPECT_EQ(cache.end_offset_for(0, 100), (epoch_entry{0, 0}));  // older than all: first epoch's start
    EXPECT_EQ(cache.end_offset_for(1, 100), (epoch_entry{1, 30}));
    EXPECT_EQ(cache.end_offset_for(2, 100), (epoch_entry{1, 30}));
    EXPECT_EQ(cache.end_offset_for(3, 100), (epoch_entry{3, 100}));
    EXPECT_EQ(cache.end_offset_for(4, 100), (epoch_entry{-1, -1}));  // newer than all
    EXPECT_EQ(leader_epoch_cache("/nonexistent").end_offset_for(0, 5), (epoch_entry{-1, -1}));
}

TEST(leader_epoch_cache, end_offset_before_a_cut_answers_as_the_truncated_cache) {
    leader_epoch_cache cache("/nonexistent");
    cache.assign(1, 0);
    cache.assign(3, 30);
    cache.assign(5, 50);
    for (int64_t cut : {0, 10, 30, 31, 50, 60}) {
        leader_epoch_cache truncated = cache;
        truncated.truncate_from_end(cut);
        for (int32_t epoch = -1; epoch <= 6; ++epoch) {
            EXPECT_EQ(cache.end_offset_before(cut, epoch, 40), truncated.end_offset_for(epoch, 40))
                << "cut " << cut << " epoch " << epoch;
        }
    }
    EXPECT_EQ(cache.entries().size(), 3u);  // untouched
}

TEST(leader_epoch_cache, truncation_from_both_ends) {
    leader_epoch_cache cache("/nonexistent");
    cache.assign(1, 0);
    cache.assign(2, 10);
    cache.assign(3, 20);
    cache.truncate_from_start(15);
    EXPECT_EQ(cache.entries(), (std::vector<epoch_entry>{{2, 15}, {3, 20}}));
    cache.truncate_from_end(20);
    EXPECT_EQ(cache.entries(), (std::vector<epoch_entry>{{2, 15}}));
}

TEST(leader_epoch_cache, garbage_file_loads_as_empty) {
    temp_dir dir;
    write_text(dir.path() / "leader-epoch-checkpoint", "0\n5\n1 2\n");
    leader_epoch_cache cache(dir.path() / "leader-epoch-checkpoint");
    EXPECT_FALSE(cache.load());
    EXPECT_TRUE(cache.entries().empty());
}

}  // namespace
}  // namespace sluice::log

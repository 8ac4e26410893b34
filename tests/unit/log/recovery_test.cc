// One test per shape of damage recovery must survive: torn tails, bad CRCs,
// garbage, offsets going backwards, missing or damaged indexes, plus the
// kill -9 fault test. A "crash" is destroying the partition_log without
// close(): the page cache keeps every write, as after a process kill.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "log/format.h"
#include "log/partition_log.h"
#include "log_test_util.h"

namespace sluice::log {
namespace {

using protocol::error_code;
using namespace testing;

uint64_t size_of(const std::filesystem::path& p) { return std::filesystem::file_size(p); }

void truncate_file(const std::filesystem::path& p, uint64_t size) { std::filesystem::resize_file(p, size); }

void append_raw(const std::filesystem::path& p, const protocol::bytes& data) {
    std::ofstream out(p, std::ios::binary | std::ios::app);
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

void flip_byte(const std::filesystem::path& p, uint64_t position) {
    std::fstream f(p, std::ios::binary | std::ios::in | std::ios::out);
    f.seekg(static_cast<std::streamoff>(position));
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x5a);
    f.seekp(static_cast<std::streamoff>(position));
    f.write(&c, 1);
}

class recovery : public ::testing::Test {
protected:
    std::filesystem::path log_dir() const { return dir_.path() / "t-0"; }
    std::filesystem::path first_log() const { return segment_file(log_dir(), 0, ".log"); }

    // Appends `batches` batches of 4 records; returns each batch's size.
    std::vector<size_t> write_batches(partition_log& log, int batches, int64_t first_timestamp = 1000) {
        std::vector<size_t> sizes;
        for (int i = 0; i < batches; ++i) {
            auto batch = make_batch(4, first_timestamp + i * 10);
            EXPECT_EQ(append_copy(log, batch, 5000).error, error_code::none);
            sizes.push_back(batch.size());
        }
        return sizes;
    }

    temp_dir dir_;
};

TEST_F(recovery, torn_tail_is_truncated) {
    std::vector<size_t> sizes;
    {
        auto log = open_log(log_dir(), log_config{}, true);
        sizes = write_batches(*log, 10);
    }  // crash
    truncate_file(first_log(), size_of(first_log()) - 10);  // last batch torn mid-write
    auto log = open_log(log_dir(), log_config{}, false);
    EXPECT_TRUE(log->recovered());
    EXPECT_EQ(log->recovery().bytes_truncated, sizes.back() - 10);
    EXPECT_EQ(log->log_end_offset(), 36);
    EXPECT_EQ(all_batches(*log).size(), 9u);
    EXPECT_EQ(append_copy(*log, make_batch(1, 0), 5000).base_offset, 36);
}

TEST_F(recovery, torn_header_is_truncated) {
    {
        auto log = open_log(log_dir(), log_config{}, true);
        write_batches(*log, 3);
    }
    append_raw(first_log(), protocol::bytes(30, 0));  // fewer bytes than a header
    auto log = open_log(log_dir(), log_config{}, false);
    EXPECT_EQ(log->recovery().bytes_truncated, 30u);
    EXPECT_EQ(log->log_end_offset(), 12);
}

TEST_F(recovery, corrupt_crc_in_the_middle_truncates_from_there) {
    std::vector<size_t> sizes;
    {
        auto log = open_log(log_dir(), log_config{}, true);
        sizes = write_batches(*log, 10);
    }
    uint64_t fifth = 0;
    for (int i = 0; i < 5; ++i) fifth += sizes[i];
    flip_byte(first_log(), fifth + protocol::batch_header_size + 3);  // inside batch 5's records
    auto log = open_log(log_dir(), log_config{}, false);
    EXPECT_EQ(log->log_end_offset(), 20);
    EXPECT_EQ(size_of(first_log()), fifth);
    EXPECT_EQ(all_batches(*log).size(), 5u);
}

TEST_F(recovery, garbage_appended_is_truncated) {
    uint64_t good_size = 0;
    {
        auto log = open_log(log_dir(), log_config{}, true);
        write_batches(*log, 5);
        good_size = size_of(first_log());
    }
    std::mt19937 rng(42);
    protocol::bytes garbage(500);
    for (auto& b : garbage) b = static_cast<uint8_t>(rng());
    append_raw(first_log(), garbage);
    auto log = open_log(log_dir(), log_config{}, false);
    EXPECT_EQ(size_of(first_log()), good_size);
    EXPECT_EQ(log->log_end_offset(), 20);
}

TEST_F(recovery, valid_batch_with_offsets_going_backwards_is_truncated) {
    uint64_t good_size = 0;
    {
        auto log = open_log(log_dir(), log_config{}, true);
        write_batches(*log, 5);
        good_size = size_of(first_log());
    }
    append_raw(first_log(), make_batch(2, 0));  // base offset 0 again, CRC fine
    auto log = open_log(log_dir(), log_config{}, false);
    EXPECT_EQ(size_of(first_log()), good_size);
    EXPECT_EQ(log->log_end_offset(), 20);
}

TEST_F(recovery, missing_index_is_rebuilt_after_clean_shutdown) {
    log_config config;
    config.index_interval_bytes = 100;
    size_t entries = 0;
    {
        auto log = open_log(log_dir(), config, true);
        write_batches(*log, 20);
        entries = log->segments()[0]->offsets().entry_count();
        log->close();
    }
    std::filesystem::remove(segment_file(log_dir(), 0, ".index"));
    auto log = open_log(log_dir(), config, true);
    EXPECT_EQ(log->recovery().indexes_rebuilt, 1u);
    EXPECT_EQ(log->segments()[0]->offsets().entry_count(), entries);
    EXPECT_EQ(size_of(segment_file(log_dir(), 0, ".index")), entries * 8);
    EXPECT_EQ(log->log_end_offset(), 80);
}

TEST_F(recovery, truncated_index_is_rebuilt) {
    log_config config;
    config.index_interval_bytes = 100;
    {
        auto log = open_log(log_dir(), config, true);
        write_batches(*log, 20);
        log->close();
    }
    truncate_file(segment_file(log_dir(), 0, ".index"), 13);
    auto log = open_log(log_dir(), config, true);
    EXPECT_EQ(log->recovery().indexes_rebuilt, 1u);
    EXPECT_EQ(log->segments()[0]->offsets().entry_count(), 19u);
    EXPECT_EQ(read_headers(log->read(41, 1, INT64_MAX)).front().base_offset, 40);
}

TEST_F(recovery, index_pointing_past_end_of_log_is_rebuilt) {
    log_config config;
    config.index_interval_bytes = 100;
    {
        auto log = open_log(log_dir(), config, true);
        write_batches(*log, 20);
        log->close();
    }
    protocol::bytes entry(8);
    format::store_be32(entry.data(), 1000);
    format::store_be32(entry.data() + 4, 1 << 30);
    append_raw(segment_file(log_dir(), 0, ".index"), entry);
    auto log = open_log(log_dir(), config, true);
    EXPECT_EQ(log->recovery().indexes_rebuilt, 1u);
    EXPECT_EQ(log->segments()[0]->offsets().last_entry()->offset, 79);
}

TEST_F(recovery, index_naming_the_wrong_batch_is_rebuilt) {
    log_config config;
    config.index_interval_bytes = 100;
    {
        auto log = open_log(log_dir(), config, true);
        write_batches(*log, 20);
        log->close();
    }
    // Replace the last entry (79 → batch 19) by one that still looks fine on
    // its own (offset and position grow, position inside the log) but names
    // an offset that is not the last of the batch found there.
    auto index = segment_file(log_dir(), 0, ".index");
    truncate_file(index, size_of(index) - 8);
    uint64_t batch_size = size_of(first_log()) / 20;
    protocol::bytes entry(8);
    format::store_be32(entry.data(), 77);
    format::store_be32(entry.data() + 4, static_cast<uint32_t>(19 * batch_size));
    append_raw(index, entry);
    auto log = open_log(log_dir(), config, true);
    EXPECT_EQ(log->recovery().indexes_rebuilt, 1u);
    EXPECT_EQ(log->log_end_offset(), 80);
}

TEST_F(recovery, clean_shutdown_restart_does_not_rescan) {
    log_config config = small_config();
    int64_t end = 0;
    std::optional<offset_and_timestamp> max;
    {
        auto log = open_log(log_dir(), config, true);
        write_batches(*log, 100);
        end = log->log_end_offset();
        max = log->max_timestamp();
        log->close();
    }
    auto log = open_log(log_dir(), config, true);
    EXPECT_FALSE(log->recovered());
    EXPECT_EQ(log->recovery().indexes_rebuilt, 0u);
    EXPECT_EQ(log->log_end_offset(), end);
    EXPECT_EQ(log->max_timestamp(), max);
    EXPECT_EQ(log->offset_for_timestamp(1000 + 500), (offset_and_timestamp{200, 1500}));
    EXPECT_EQ(all_batches(*log).size(), 100u);
    EXPECT_EQ(append_copy(*log, make_batch(1, 0), 5000).base_offset, end);
}

TEST_F(recovery, unclean_restart_rescans_only_from_recovery_point) {
    log_config config = small_config();
    int64_t recovery_point = 0;
    size_t segments = 0;
    {
        auto log = open_log(log_dir(), config, true);
        write_batches(*log, 100);
        log->flush();
        recovery_point = log->recovery_point();
        write_batches(*log, 40);
        segments = log->segment_count();
    }
    size_t first_unflushed = 0;
    {
        auto log = open_log(log_dir(), config, true);  // only to count segments
        while (first_unflushed + 1 < log->segment_count() &&
               log->segments()[first_unflushed + 1]->base_offset() <= recovery_point) {
            ++first_unflushed;
        }
    }
    auto log = open_log(log_dir(), config, false, recovery_point);
    EXPECT_EQ(log->recovery().segments_scanned, segments - first_unflushed);
    EXPECT_LT(log->recovery().segments_scanned, segments);
    EXPECT_EQ(log->log_end_offset(), 560);
}

TEST_F(recovery, corruption_in_an_unflushed_segment_removes_later_segments) {
    log_config config = small_config();
    {
        auto log = open_log(log_dir(), config, true);
        write_batches(*log, 100);
    }
    auto log = open_log(log_dir(), config, true);
    ASSERT_GE(log->segment_count(), 3u);
    auto second = log->segments()[1];
    int64_t cut = second->base_offset() + 4;  // its second batch
    uint64_t position = second->find_batch(cut)->position;
    std::string second_path = second->log_path();
    size_t later = log->segment_count() - 2;
    log.reset();
    second.reset();
    flip_byte(second_path, position + 30);  // inside the CRC-covered header fields
    log = open_log(log_dir(), config, false);
    EXPECT_EQ(log->recovery().segments_removed, later);
    EXPECT_EQ(log->segment_count(), 2u);
    EXPECT_EQ(log->log_end_offset(), cut);
    for (const auto& item : std::filesystem::directory_iterator(log_dir())) {
        auto base = format::parse_file_stem(item.path().stem().string());
        if (base) {
            EXPECT_LE(*base, cut - 4) << item.path();
        }
    }
}

TEST_F(recovery, leftover_files_are_cleaned) {
    {
        auto log = open_log(log_dir(), log_config{}, true);
        write_batches(*log, 2);
        log->close();
    }
    std::ofstream(segment_file(log_dir(), 500, ".index")) << "orphan";
    std::ofstream(segment_file(log_dir(), 500, ".timeindex")) << "orphan";
    std::ofstream(log_dir() / "leader-epoch-checkpoint.tmp") << "half";
    std::ofstream(log_dir() / "00000000000000000000.log.deleted") << "old";
    auto log = open_log(log_dir(), log_config{}, true);
    EXPECT_FALSE(std::filesystem::exists(segment_file(log_dir(), 500, ".index")));
    EXPECT_FALSE(std::filesystem::exists(segment_file(log_dir(), 500, ".timeindex")));
    EXPECT_FALSE(std::filesystem::exists(log_dir() / "leader-epoch-checkpoint.tmp"));
    EXPECT_FALSE(std::filesystem::exists(log_dir() / "00000000000000000000.log.deleted"));
    EXPECT_EQ(log->log_end_offset(), 8);
}

TEST_F(recovery, leader_epochs_recovered_from_batches_after_crash) {
    {
        auto log = open_log(log_dir(), log_config{}, true);
        append_copy(*log, make_batch(2, 0), 5000, 1);
        append_copy(*log, make_batch(2, 0), 5000, 3);
    }  // no flush: no leader-epoch-checkpoint on disk
    auto log = open_log(log_dir(), log_config{}, false);
    EXPECT_EQ(log->leader_epochs().entries(), (std::vector<epoch_entry>{{1, 0}, {3, 2}}));
}

TEST_F(recovery, garbage_leader_epoch_checkpoint_is_rebuilt) {
    {
        auto log = open_log(log_dir(), log_config{}, true);
        append_copy(*log, make_batch(2, 0), 5000, 4);
        append_copy(*log, make_batch(2, 0), 5000, 6);
        log->close();
    }
    std::ofstream(log_dir() / "leader-epoch-checkpoint") << "0\nbroken";
    auto log = open_log(log_dir(), log_config{}, true);
    EXPECT_FALSE(log->recovered());
    EXPECT_EQ(log->leader_epochs().entries(), (std::vector<epoch_entry>{{4, 0}, {6, 2}}));
}

// The fault test: write through one partition_log, never close it, open
// again as after kill -9; every batch must be there once, byte for byte.
TEST_F(recovery, kill_dash_nine_loses_nothing) {
    log_config config = small_config();
    std::mt19937 rng(7);
    std::vector<protocol::bytes> written;  // as stored, offsets assigned
    for (int round = 0; round < 4; ++round) {
        auto log = open_log(log_dir(), config, round == 0);
        ASSERT_TRUE(log);
        if (round > 0) {
            EXPECT_TRUE(log->recovered());
        }
        for (int i = 0; i < 150; ++i) {
            int records = 1 + static_cast<int>(rng() % 6);
            protocol::bytes batch = make_batch(records, 1000 + i, rng() % 300);
            auto result = log->append(batch, round, 5000 + i);
            ASSERT_EQ(result.error, error_code::none);
            written.push_back(batch);
            if (i == 70 && round % 2 == 1) log->flush();
        }
        // Destroyed here without close(): the crash.
    }
    auto log = open_log(log_dir(), config, false);
    auto data = slice_bytes(log->read(0, SIZE_MAX, INT64_MAX));
    protocol::bytes expected;
    for (const auto& b : written) expected.insert(expected.end(), b.begin(), b.end());
    EXPECT_EQ(data, expected);
    int64_t next = 0;
    for (const auto& h : all_batches(*log)) {
        EXPECT_EQ(h.base_offset, next);
        next = h.last_offset() + 1;
    }
    EXPECT_EQ(next, log->log_end_offset());
    EXPECT_EQ(log->recovery().bytes_truncated, 0u);
}

}  // namespace
}  // namespace sluice::log

// Appends of several partitions written together (log/write_ring.h,
// partition_log::prepare_append/finish_append): the same files as one
// append() after another, a failed write that leaves its partition as it
// was, and the pwrite fallback when no ring can be made.
#include "log/write_ring.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <map>

#include "log_test_util.h"

namespace sluice::log {
namespace {

using protocol::error_code;
using namespace testing;

std::string file_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Every file of a partition dir by name, with its bytes.
std::map<std::string, std::string> dir_files(const std::filesystem::path& dir) {
    std::map<std::string, std::string> out;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        out[entry.path().filename().string()] = file_text(entry.path());
    }
    return out;
}

std::vector<std::unique_ptr<partition_log>> open_logs(const std::filesystem::path& root, int count,
                                                      const log_config& config) {
    std::vector<std::unique_ptr<partition_log>> logs;
    for (int i = 0; i < count; ++i) logs.push_back(open_log(root / ("t-" + std::to_string(i)), config, true));
    return logs;
}

// One request's worth: a batch per log, prepared, written with
// write_ring::write_all, finished.
std::vector<append_result> append_together(std::vector<std::unique_ptr<partition_log>>& logs,
                                           std::vector<protocol::bytes>& batches, int64_t now_ms) {
    std::vector<partition_log::prepared_append> prepared;
    for (size_t i = 0; i < logs.size(); ++i) prepared.push_back(logs[i]->prepare_append(batches[i], 3, now_ms));
    std::vector<file_write> writes;
    for (const auto& p : prepared) {
        if (p.needs_write()) writes.push_back(p.write);
    }
    write_ring::write_all(writes);
    std::vector<append_result> results;
    size_t w = 0;
    for (size_t i = 0; i < logs.size(); ++i) {
        if (prepared[i].needs_write()) prepared[i].write = writes[w++];
        results.push_back(logs[i]->finish_append(prepared[i]));
    }
    return results;
}

// Batches of different sizes per log and round, so that segments roll and
// index entries fall at different places in each log.
protocol::bytes round_batch(int log, int round) { return make_batch(1 + (log * 7 + round * 3) % 11, 1000 + round, 40); }

// The ring is off unless sluice.produce.io_uring.enable turns it on.
class write_ring_on : public ::testing::Test {
protected:
    write_ring_on() { write_ring::set_enabled(true); }
    ~write_ring_on() override { write_ring::set_enabled(false); }
};

TEST_F(write_ring_on, partitions_written_together_match_sequential_appends) {
    temp_dir sequential_dir;
    temp_dir together_dir;
    constexpr int partitions = 8;
    auto sequential = open_logs(sequential_dir.path(), partitions, small_config());
    auto together = open_logs(together_dir.path(), partitions, small_config());
    const auto before = write_ring::thread_counters();
    constexpr int rounds = 20;
    for (int round = 0; round < rounds; ++round) {
        std::vector<protocol::bytes> batches;
        for (int i = 0; i < partitions; ++i) {
            batches.push_back(round_batch(i, round));
            protocol::bytes copy = batches.back();
            ASSERT_EQ(sequential[static_cast<size_t>(i)]->append(copy, 3, 2000 + round).error, error_code::none);
        }
        auto results = append_together(together, batches, 2000 + round);
        for (int i = 0; i < partitions; ++i) {
            ASSERT_EQ(results[static_cast<size_t>(i)].error, error_code::none);
            EXPECT_EQ(results[static_cast<size_t>(i)].last_offset + 1, together[static_cast<size_t>(i)]->log_end_offset());
        }
    }
    const auto after = write_ring::thread_counters();
    // Every round's eight writes went through the ring, in one submission.
    EXPECT_EQ(after.ring_writes - before.ring_writes, uint64_t{partitions * rounds});
    EXPECT_EQ(after.submissions - before.submissions, uint64_t{rounds});
    for (int i = 0; i < partitions; ++i) {
        const auto& a = *sequential[static_cast<size_t>(i)];
        const auto& b = *together[static_cast<size_t>(i)];
        EXPECT_EQ(a.log_end_offset(), b.log_end_offset());
        EXPECT_EQ(a.high_watermark(), b.high_watermark());
        EXPECT_GT(b.segment_count(), 1u);  // small_config rolled
        // Indexes wait in a buffer until a roll or close: close both first.
        sequential[static_cast<size_t>(i)]->close();
        together[static_cast<size_t>(i)]->close();
        EXPECT_EQ(dir_files(a.dir()), dir_files(b.dir())) << "partition " << i;
    }
}

TEST_F(write_ring_on, a_failed_write_leaves_its_partition_as_it_was) {
    temp_dir dir;
    auto logs = open_logs(dir.path(), 3, log_config{});
    // Some history first, and an idempotent producer on the log whose write fails.
    for (auto& log : logs) ASSERT_EQ(append_copy(*log, make_batch(5, 1000), 1500).error, error_code::none);
    ASSERT_EQ(append_copy(*logs[1], make_producer_batch(42, 0, 0, 2), 1500).error, error_code::none);
    for (auto& log : logs) log->set_high_watermark(log->log_end_offset());
    const int64_t end = logs[1]->log_end_offset();
    const auto files = dir_files(logs[1]->dir());
    const auto batches_before = all_batches(*logs[1]);

    std::vector<protocol::bytes> batches{make_batch(3, 2000), make_producer_batch(42, 0, 2, 4), make_batch(2, 2000)};
    std::vector<partition_log::prepared_append> prepared;
    for (size_t i = 0; i < logs.size(); ++i) prepared.push_back(logs[i]->prepare_append(batches[i], 3, 2500));
    for (const auto& p : prepared) ASSERT_TRUE(p.needs_write());
    // The write of partition 1 goes to a descriptor that cannot write (a
    // read-only open of its own .log): the kernel refuses it with EBADF.
    const int read_only = ::open(segment_file(logs[1]->dir(), 0, ".log").c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(read_only, 0);
    std::vector<file_write> writes;
    for (const auto& p : prepared) writes.push_back(p.write);
    writes[1].fd = read_only;
    const auto before = write_ring::thread_counters();
    write_ring::write_all(writes);
    EXPECT_EQ(write_ring::thread_counters().submissions - before.submissions, 1u);
    ::close(read_only);
    EXPECT_TRUE(writes[0].ok);
    EXPECT_FALSE(writes[1].ok);
    EXPECT_EQ(writes[1].error, EBADF);
    EXPECT_TRUE(writes[2].ok);
    std::vector<append_result> results;
    for (size_t i = 0; i < logs.size(); ++i) {
        prepared[i].write = writes[i];
        results.push_back(logs[i]->finish_append(prepared[i]));
    }
    EXPECT_EQ(results[0].error, error_code::none);
    EXPECT_EQ(results[0].base_offset, 5);
    EXPECT_EQ(results[1].error, error_code::kafka_storage_error);
    EXPECT_EQ(results[2].error, error_code::none);
    EXPECT_EQ(logs[0]->log_end_offset(), 8);
    EXPECT_EQ(logs[2]->log_end_offset(), 7);

    // Partition 1: offsets, high watermark, files and batches as before.
    EXPECT_EQ(logs[1]->log_end_offset(), end);
    EXPECT_EQ(logs[1]->high_watermark(), end);
    EXPECT_EQ(dir_files(logs[1]->dir()), files);
    EXPECT_EQ(all_batches(*logs[1]).size(), batches_before.size());
    // The producer state never saw sequence 2: the same batch again is new,
    // not a duplicate, and lands where the failed one would have.
    auto retried = append_copy(*logs[1], make_producer_batch(42, 0, 2, 4), 3000);
    ASSERT_EQ(retried.error, error_code::none);
    EXPECT_FALSE(retried.duplicate);
    EXPECT_EQ(retried.base_offset, end);
}

TEST_F(write_ring_on, more_writes_than_the_ring_holds_go_in_chunks) {
    temp_dir dir;
    // 600 writes of 100 bytes, round-robin over three files, each write at
    // the offset after that file's previous one.
    constexpr int count = 600;
    std::vector<int> fds;
    for (int f = 0; f < 3; ++f) {
        fds.push_back(::open((dir.path() / ("f" + std::to_string(f))).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
        ASSERT_GE(fds.back(), 0);
    }
    std::vector<std::string> payloads;
    for (int i = 0; i < count; ++i) payloads.push_back(std::string(100, static_cast<char>('A' + i % 26)));
    std::vector<file_write> writes;
    for (int i = 0; i < count; ++i) {
        const auto& p = payloads[static_cast<size_t>(i)];
        writes.push_back({fds[static_cast<size_t>(i % 3)],
                          std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(p.data()), p.size()),
                          static_cast<uint64_t>(i / 3) * 100});
    }
    const auto before = write_ring::thread_counters();
    write_ring::write_all(writes);
    const auto after = write_ring::thread_counters();
    for (const auto& w : writes) EXPECT_TRUE(w.ok);
    EXPECT_EQ(after.ring_writes - before.ring_writes, uint64_t{count});
    EXPECT_GE(after.submissions - before.submissions, 3u);  // at most 256 a submission
    for (int f = 0; f < 3; ++f) {
        ::close(fds[static_cast<size_t>(f)]);
        std::string expected;
        for (int i = f; i < count; i += 3) expected += payloads[static_cast<size_t>(i)];
        EXPECT_EQ(file_text(dir.path() / ("f" + std::to_string(f))), expected);
    }
}

TEST_F(write_ring_on, without_a_ring_writes_go_through_pwrite) {
    temp_dir sequential_dir;
    temp_dir together_dir;
    auto sequential = open_logs(sequential_dir.path(), 4, small_config());
    auto together = open_logs(together_dir.path(), 4, small_config());
    // As a kernel without io_uring (or with it forbidden) answers.
    write_ring::simulate_setup_failure_for_tests(true);
    const auto before = write_ring::thread_counters();
    for (int round = 0; round < 10; ++round) {
        std::vector<protocol::bytes> batches;
        for (int i = 0; i < 4; ++i) {
            batches.push_back(round_batch(i, round));
            protocol::bytes copy = batches.back();
            ASSERT_EQ(sequential[static_cast<size_t>(i)]->append(copy, 3, 2000).error, error_code::none);
        }
        for (const auto& r : append_together(together, batches, 2000)) ASSERT_EQ(r.error, error_code::none);
    }
    const auto after = write_ring::thread_counters();
    const bool available = write_ring::available();
    write_ring::simulate_setup_failure_for_tests(false);
    EXPECT_FALSE(available);  // off for the rest of the process
    EXPECT_EQ(after.ring_writes, before.ring_writes);
    EXPECT_EQ(after.submissions, before.submissions);
    for (size_t i = 0; i < 4; ++i) {
        sequential[i]->close();
        together[i]->close();
        EXPECT_EQ(dir_files(sequential[i]->dir()), dir_files(together[i]->dir()));
    }
}

std::vector<protocol::bytes> batches_of(int count) {
    std::vector<protocol::bytes> out;
    for (int i = 0; i < count; ++i) out.push_back(make_batch(2 + i, 1000));
    return out;
}

TEST_F(write_ring_on, disabled_by_the_property_writes_go_through_pwrite) {
    temp_dir dir;
    auto logs = open_logs(dir.path(), 3, log_config{});
    auto first = batches_of(3);
    ASSERT_EQ(append_together(logs, first, 1500).size(), 3u);  // the thread has a ring now
    write_ring::set_enabled(false);
    const auto before = write_ring::thread_counters();
    auto batches = batches_of(3);
    auto results = append_together(logs, batches, 2000);
    const auto after = write_ring::thread_counters();
    for (const auto& r : results) EXPECT_EQ(r.error, error_code::none);
    EXPECT_EQ(logs[2]->log_end_offset(), 8);
    // A ring this thread made earlier is not used either.
    EXPECT_EQ(after.ring_writes, before.ring_writes);
}

}  // namespace
}  // namespace sluice::log

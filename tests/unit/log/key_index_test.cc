// The per-key index (log/key_index.h) and reads through it (log/key_read.h):
// built as batches are appended (leader and follower, compressed or not),
// sealed to <base>.keyindex at roll, rebuilt when the file is missing, torn
// or garbage, after a crash, across hash collisions and truncations, and
// removed with its segment. Every answer is checked against a model of what
// was appended.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <random>

#include "log/file_util.h"
#include "log/format.h"
#include "log/key_index.h"
#include "log/key_read.h"
#include "log/partition_log.h"
#include "log_test_util.h"
#include "unit/log/background_queue.h"

namespace sluice::log {
namespace {

using protocol::error_code;
using namespace testing;

using record_list = std::vector<std::pair<int64_t, std::string>>;  // offset, value

protocol::bytes to_bytes(const std::string& s) { return protocol::bytes(s.begin(), s.end()); }

// One batch with these (key, value) records; an empty key string means no key.
protocol::bytes keyed_batch(const std::vector<std::pair<std::string, std::string>>& kv,
                            protocol::compression codec = protocol::compression::none) {
    std::vector<protocol::record> records;
    for (size_t i = 0; i < kv.size(); ++i) {
        protocol::record r;
        r.offset = static_cast<int64_t>(i);
        r.timestamp = 1000 + static_cast<int64_t>(i);
        if (!kv[i].first.empty()) r.key = to_bytes(kv[i].first);
        r.value = to_bytes(kv[i].second);
        records.push_back(std::move(r));
    }
    protocol::batch_builder_options options;
    options.codec = codec;
    return protocol::build_batch(records, options);
}

record_list read_all(const partition_log& log, const std::string& key, key_read_options options = {}) {
    options.limit = options.limit == 100 ? 1'000'000 : options.limit;
    auto k = to_bytes(key);
    key_read_result r = read_key(log, k, options);
    EXPECT_EQ(r.error, error_code::none);
    record_list out;
    for (const auto& rec : r.records) {
        EXPECT_TRUE(rec.record.key && *rec.record.key == k);
        out.emplace_back(rec.record.offset, std::string(rec.record.value->begin(), rec.record.value->end()));
    }
    return out;
}

uint64_t constant_hash(protocol::bytes_view) { return 42; }

class key_index_test : public ::testing::Test {
protected:
    log_config config() const {
        log_config c;
        c.key_index = true;
        c.segment_bytes = 1500;  // a few batches per segment
        return c;
    }
    std::filesystem::path log_dir() const { return dir_.path() / "t-0"; }
    std::unique_ptr<partition_log> open(bool clean, log_config c) {
        error_code error;
        auto log = partition_log::open(log_dir(), {"t", 0}, c, clean, error);
        EXPECT_EQ(error, error_code::none);
        return log;
    }
    std::unique_ptr<partition_log> open(bool clean = false) { return open(clean, config()); }

    // Appends `batches` batches of 5 records over `keys` keys (some without
    // a key), every other batch compressed; records what went where.
    void fill(partition_log& log, int batches, int keys = 7) {
        const protocol::compression codecs[] = {protocol::compression::none, protocol::compression::lz4,
                                                protocol::compression::none, protocol::compression::zstd,
                                                protocol::compression::gzip, protocol::compression::snappy};
        for (int b = 0; b < batches; ++b) {
            std::vector<std::pair<std::string, std::string>> kv;
            for (int i = 0; i < 5; ++i) {
                const int n = serial_++;
                const std::string key = n % 11 == 10 ? "" : "key-" + std::to_string(n % keys);
                kv.emplace_back(key, "value-" + std::to_string(n));
            }
            auto batch = keyed_batch(kv, codecs[b % 6]);
            auto result = append_copy(log, batch, 5000);
            ASSERT_EQ(result.error, error_code::none);
            for (size_t i = 0; i < kv.size(); ++i) {
                if (!kv[i].first.empty()) model_[kv[i].first].emplace_back(result.base_offset + int64_t(i), kv[i].second);
            }
        }
    }
    void expect_model(const partition_log& log) {
        ASSERT_FALSE(model_.empty());
        for (const auto& [key, records] : model_) EXPECT_EQ(read_all(log, key), records) << key;
        EXPECT_TRUE(read_all(log, "no-such-key").empty());
    }
    std::vector<std::filesystem::path> key_files() const {
        std::vector<std::filesystem::path> out;
        for (const auto& e : std::filesystem::directory_iterator(log_dir())) {
            if (e.path().extension() == format::key_index_suffix) out.push_back(e.path());
        }
        std::sort(out.begin(), out.end());
        return out;
    }

    temp_dir dir_;
    std::map<std::string, record_list> model_;
    int serial_ = 0;
};

TEST_F(key_index_test, active_segment_answers_from_memory) {
    auto log = open();
    fill(*log, 3);
    ASSERT_EQ(log->segment_count(), 1u);
    EXPECT_FALSE(log->segments().back()->keys()->sealed());
    expect_model(*log);
}

TEST_F(key_index_test, roll_seals_each_closed_segment_to_its_file) {
    auto log = open();
    fill(*log, 30);
    ASSERT_GT(log->segment_count(), 3u);
    for (size_t i = 0; i + 1 < log->segment_count(); ++i) {
        const auto* keys = log->segments()[i]->keys();
        EXPECT_TRUE(keys->sealed());
        EXPECT_EQ(keys->memory_bytes(), 0u);
        EXPECT_TRUE(std::filesystem::exists(keys->path()));
    }
    EXPECT_EQ(key_files().size(), log->segment_count() - 1);
    expect_model(*log);
}

TEST_F(key_index_test, from_offset_limit_and_newest_first) {
    auto log = open();
    fill(*log, 30);
    const record_list& all = model_["key-3"];
    ASSERT_GT(all.size(), 10u);
    key_read_options o;
    o.from_offset = all[4].first;
    o.limit = 3;
    auto k = to_bytes("key-3");
    auto r = read_key(*log, k, o);
    ASSERT_EQ(r.records.size(), 3u);
    EXPECT_TRUE(r.more);
    for (size_t i = 0; i < 3; ++i) EXPECT_EQ(r.records[i].record.offset, all[4 + i].first);

    o.newest_first = true;
    r = read_key(*log, k, o);
    ASSERT_EQ(r.records.size(), 3u);
    for (size_t i = 0; i < 3; ++i) EXPECT_EQ(r.records[i].record.offset, all[all.size() - 1 - i].first);

    // The high watermark bounds what is read.
    o.newest_first = false;
    o.from_offset = 0;
    o.limit = 1000;
    o.max_offset = all[2].first;
    EXPECT_EQ(read_key(*log, k, o).records.size(), 2u);
}

TEST_F(key_index_test, clean_restart_reads_the_files) {
    {
        auto log = open();
        fill(*log, 30);
        log->close();
    }
    auto log = open(true);
    EXPECT_FALSE(log->recovered());
    for (const auto& seg : log->segments()) EXPECT_TRUE(seg->keys()->sealed());
    expect_model(*log);
    fill(*log, 3);  // the active segment's entries come back into memory
    expect_model(*log);
}

class damaged_key_file : public key_index_test, public ::testing::WithParamInterface<std::string> {};

TEST_P(damaged_key_file, is_rebuilt_at_open) {
    {
        auto log = open();
        fill(*log, 30);
        log->close();
    }
    auto files = key_files();
    ASSERT_GT(files.size(), 2u);
    const auto& victim = files[1];
    const std::string shape = GetParam();
    if (shape == "missing") {
        std::filesystem::remove(victim);
    } else if (shape == "torn") {
        std::filesystem::resize_file(victim, std::filesystem::file_size(victim) / 2);
    } else if (shape == "empty") {
        std::filesystem::resize_file(victim, 0);
    } else if (shape == "header_only") {
        std::filesystem::resize_file(victim, format::key_index_header_size);
    } else if (shape == "garbage") {
        std::mt19937 rng(7);
        std::ofstream out(victim, std::ios::binary | std::ios::trunc);
        for (int i = 0; i < 5000; ++i) out.put(static_cast<char>(rng()));
    } else if (shape == "flipped_entry") {
        std::fstream f(victim, std::ios::binary | std::ios::in | std::ios::out);
        f.seekp(static_cast<std::streamoff>(format::key_index_header_size + 3));
        f.put('\x7f');
    } else if (shape == "other_segment") {
        std::filesystem::copy_file(files[0], victim, std::filesystem::copy_options::overwrite_existing);
    }
    auto log = open(true);
    expect_model(*log);
    // Rebuilt and written again: a second open trusts it.
    EXPECT_TRUE(log->segments()[1]->keys()->sealed());
    log->close();
    log.reset();
    log = open(true);
    expect_model(*log);
}

INSTANTIATE_TEST_SUITE_P(shapes, damaged_key_file,
                         ::testing::Values("missing", "torn", "empty", "header_only", "garbage", "flipped_entry",
                                           "other_segment"));

TEST_F(key_index_test, crash_rebuilds_the_active_segment_by_recovery) {
    {
        auto log = open();
        fill(*log, 30);
        // No close(): as after kill -9; the page cache keeps the writes.
    }
    auto log = open(false);
    EXPECT_TRUE(log->recovered());
    expect_model(*log);
    fill(*log, 4);
    expect_model(*log);
}

TEST_F(key_index_test, colliding_hashes_are_told_apart_by_the_key) {
    key_index::set_hash_for_testing(&constant_hash);
    {
        auto log = open();
        fill(*log, 20);
        expect_model(*log);
        log->close();
    }
    {
        auto log = open(true);  // sealed files, every entry under one hash
        expect_model(*log);
    }
    {
        // Every keyed record of a segment sits under the one hash.
        auto log = open(true);
        const auto* keys = log->segments().front()->keys();
        EXPECT_EQ(keys->lookup(to_bytes("key-1")).size(), keys->entry_count());
        EXPECT_GT(keys->entry_count(), model_["key-1"].size());
    }
    key_index::set_hash_for_testing(nullptr);
}

TEST_F(key_index_test, truncation_forgets_the_cut_records_and_reopens_a_sealed_segment) {
    auto log = open();
    fill(*log, 30);
    ASSERT_GT(log->segment_count(), 3u);
    // Cut inside the second segment: it becomes the active one again.
    const auto& second = log->segments()[1];
    const int64_t cut = second->base_offset() + (second->next_offset() - second->base_offset()) / 2;
    auto t = log->truncate_to(cut);
    ASSERT_TRUE(t.done);
    file_util::remove_files(t.deleted_files);
    const int64_t end = log->log_end_offset();
    ASSERT_LE(end, cut);
    for (auto& [key, records] : model_) {
        std::erase_if(records, [&](const auto& r) { return r.first >= end; });
    }
    std::erase_if(model_, [](const auto& kv) { return kv.second.empty(); });
    expect_model(*log);
    fill(*log, 10);
    expect_model(*log);
    log->close();
    log.reset();
    log = open(true);
    expect_model(*log);
}

TEST_F(key_index_test, follower_append_builds_the_index) {
    auto leader = open();
    fill(*leader, 20);
    temp_dir other;
    error_code error;
    auto follower = partition_log::open(other.path() / "t-0", {"t", 0}, config(), false, error);
    ASSERT_EQ(error, error_code::none);
    auto read = leader->read(0, 1 << 20, leader->log_end_offset());
    for (const auto& s : read.slices) {
        protocol::bytes bytes(s.length);
        ASSERT_EQ(::pread(s.fd, bytes.data(), s.length, static_cast<off_t>(s.offset)), static_cast<ssize_t>(s.length));
        ASSERT_EQ(follower->append_as_follower(bytes, 5000).error, error_code::none);
    }
    ASSERT_EQ(follower->log_end_offset(), leader->log_end_offset());
    expect_model(*follower);
}

TEST_F(key_index_test, retention_removes_the_file_with_its_segment) {
    auto log = open();
    fill(*log, 30);
    auto files_before = key_files();
    log->set_high_watermark(log->log_end_offset());
    ASSERT_EQ(log->delete_records_before(log->segments()[2]->base_offset()), error_code::none);
    auto removed = log->apply_retention(5000);
    ASSERT_EQ(removed.size(), 2u);
    for (const auto& seg : removed) EXPECT_TRUE(seg->remove_files());
    EXPECT_EQ(key_files().size(), files_before.size() - 2);
    // Records below the log start are gone from the answers too.
    const int64_t start = log->log_start_offset();
    for (auto& [key, records] : model_) std::erase_if(records, [&](const auto& r) { return r.first < start; });
    std::erase_if(model_, [](const auto& kv) { return kv.second.empty(); });
    expect_model(*log);
}

TEST_F(key_index_test, topic_without_the_config_has_no_index_and_refuses_reads) {
    log_config c = config();
    c.key_index = false;
    auto log = open(false, c);
    fill(*log, 30);
    EXPECT_TRUE(key_files().empty());
    for (const auto& seg : log->segments()) EXPECT_EQ(seg->keys(), nullptr);
    auto k = to_bytes("key-1");
    EXPECT_EQ(read_key(*log, k, {}).error, error_code::invalid_request);
}

TEST_F(key_index_test, switching_the_config_on_indexes_existing_segments) {
    log_config c = config();
    c.key_index = false;
    auto log = open(false, c);
    fill(*log, 30);
    log->update_config(config());
    expect_model(*log);
    EXPECT_EQ(key_files().size(), log->segment_count() - 1);
    fill(*log, 5);
    expect_model(*log);
}

// --- sealing on the background executor (issue 16) ---

class key_index_background_test : public key_index_test {
protected:
    std::unique_ptr<partition_log> open_queued(bool clean = false) {
        error_code error;
        partition_log::open_options options;
        options.clean_shutdown = clean;
        options.background = queue_.executor();
        auto log = partition_log::open(log_dir(), {"t", 0}, config(), options, error);
        EXPECT_EQ(error, error_code::none);
        return log;
    }
    size_t files_with_suffix(const std::filesystem::path& dir, std::string_view suffix) const {
        size_t n = 0;
        for (const auto& e : std::filesystem::directory_iterator(dir)) n += e.path().filename().string().ends_with(suffix);
        return n;
    }
    background_queue queue_;
};

TEST_F(key_index_background_test, reads_while_the_seal_is_pending_answer_as_after) {
    auto log = open_queued();
    fill(*log, 30);
    ASSERT_GT(log->segment_count(), 3u);
    // The roll did no sealing itself: jobs are queued, no file is written yet.
    EXPECT_FALSE(queue_.empty());
    EXPECT_TRUE(key_files().empty());
    for (size_t i = 0; i + 1 < log->segment_count(); ++i) {
        const auto* keys = log->segments()[i]->keys();
        EXPECT_TRUE(keys->sealing());
        EXPECT_FALSE(keys->sealed());
        EXPECT_GT(keys->entry_count(), 0u);
    }
    expect_model(*log);
    queue_.run_all();
    EXPECT_EQ(key_files().size(), log->segment_count() - 1);
    expect_model(*log);  // written, not adopted yet
    fill(*log, 1);       // the owner adopts the files at its next append
    for (size_t i = 0; i + 1 < log->segment_count(); ++i) {
        const auto* keys = log->segments()[i]->keys();
        if (keys->sealing()) continue;  // rolled by this last append
        EXPECT_TRUE(keys->sealed());
        EXPECT_EQ(keys->memory_bytes(), 0u);
    }
    expect_model(*log);
    EXPECT_EQ(files_with_suffix(log_dir(), ".tmp"), 0u);
}

TEST_F(key_index_background_test, retention_before_the_job_leaves_no_file) {
    auto log = open_queued();
    fill(*log, 30);
    log->set_high_watermark(log->log_end_offset());
    ASSERT_EQ(log->delete_records_before(log->segments()[2]->base_offset()), error_code::none);
    auto removed = log->apply_retention(5000);
    ASSERT_EQ(removed.size(), 2u);
    // Deleted before the queued seals run (the worst order): they find the .log gone.
    for (const auto& seg : removed) EXPECT_TRUE(seg->remove_files());
    queue_.run_all();
    for (const auto& seg : removed) {
        EXPECT_FALSE(std::filesystem::exists(seg->keys()->path())) << seg->keys()->path();
    }
    EXPECT_EQ(key_files().size(), log->segment_count() - 1);
    EXPECT_EQ(files_with_suffix(log_dir(), ".tmp"), 0u);
    const int64_t start = log->log_start_offset();
    for (auto& [key, records] : model_) std::erase_if(records, [&](const auto& r) { return r.first < start; });
    std::erase_if(model_, [](const auto& kv) { return kv.second.empty(); });
    expect_model(*log);
}

TEST_F(key_index_background_test, truncation_below_pending_seals_leaves_no_stray_file) {
    auto log = open_queued();
    fill(*log, 30);
    ASSERT_GT(log->segment_count(), 3u);
    const auto& second = log->segments()[1];
    const int64_t cut = second->base_offset() + (second->next_offset() - second->base_offset()) / 2;
    auto t = log->truncate_to(cut);
    ASSERT_TRUE(t.done);
    // The dropped segments' seals were dropped before their files were renamed.
    for (const auto& f : t.deleted_files) EXPECT_EQ(f.string().find(".keyindex"), std::string::npos) << f;
    file_util::remove_files(t.deleted_files);
    queue_.run_all();
    // Only the first segment's file: the one cut became active again.
    ASSERT_EQ(log->segment_count(), 2u);
    auto files = key_files();
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(files[0], log->segments()[0]->keys()->path());
    EXPECT_EQ(files_with_suffix(log_dir(), ".tmp"), 0u);
    const int64_t end = log->log_end_offset();
    for (auto& [key, records] : model_) std::erase_if(records, [&](const auto& r) { return r.first >= end; });
    std::erase_if(model_, [](const auto& kv) { return kv.second.empty(); });
    expect_model(*log);
    fill(*log, 20);  // rolls again at the bases just dropped
    queue_.run_all();
    fill(*log, 1);
    expect_model(*log);
    log->close();
    log.reset();
    log = open(true);
    expect_model(*log);
}

TEST_F(key_index_background_test, deleted_partition_gets_no_file) {
    auto log = open_queued();
    fill(*log, 30);
    const auto moved = dir_.path() / "t-0.deleted-dir";
    std::filesystem::rename(log_dir(), moved);  // as a topic deletion does, before its recursive delete
    std::filesystem::create_directories(log_dir());  // and the topic re-created under the name
    queue_.run_all();
    EXPECT_EQ(files_with_suffix(moved, ".keyindex"), 0u);
    EXPECT_EQ(files_with_suffix(log_dir(), ".keyindex"), 0u);
    EXPECT_EQ(files_with_suffix(moved, ".tmp") + files_with_suffix(log_dir(), ".tmp"), 0u);
}

TEST_F(key_index_background_test, crash_before_the_file_is_written_is_rebuilt_by_recovery) {
    auto log = open_queued();
    fill(*log, 30);
    const size_t closed = log->segment_count() - 1;
    log.reset();  // a crash: the queued seals never run
    queue_ = background_queue{};
    EXPECT_TRUE(key_files().empty());
    log = open(false);
    for (size_t i = 0; i < closed; ++i) EXPECT_TRUE(std::filesystem::exists(log->segments()[i]->keys()->path()));
    expect_model(*log);
}

TEST_F(key_index_background_test, close_and_cleaner_swap_settle_pending_seals) {
    auto log = open_queued();
    fill(*log, 30);
    log->begin_segment_swap();  // the swap renames files on another thread: the seals are made first
    EXPECT_EQ(key_files().size(), log->segment_count() - 1);
    for (size_t i = 0; i + 1 < log->segment_count(); ++i) EXPECT_TRUE(log->segments()[i]->keys()->sealed());
    log->end_segment_swap();
    queue_.run_all();  // the queued jobs find nothing left to do
    expect_model(*log);
    fill(*log, 30);
    log->close();  // a clean shutdown writes what is still queued
    for (const auto& seg : log->segments()) EXPECT_TRUE(std::filesystem::exists(seg->keys()->path()));
    log.reset();
    queue_ = background_queue{};
    log = open(true);
    expect_model(*log);
}

TEST(key_index_unit, entries_survive_seal_and_reload_exactly) {
    temp_dir dir;
    const auto path = dir.path() / "00000000000000000100.keyindex";
    key_index idx(path, 100);
    protocol::bytes batch = keyed_batch({{"a", "1"}, {"b", "2"}, {"a", "3"}, {"", "4"}});
    protocol::set_base_offset(batch.data(), 100);
    idx.add_batch(batch, 0);
    EXPECT_EQ(idx.entry_count(), 3u);
    const auto a = to_bytes("a");
    // Uncompressed: each entry also says where its record starts in the batch.
    const auto found = idx.lookup(a);
    ASSERT_EQ(found.size(), 2u);
    EXPECT_EQ(found[0].offset, 100);
    EXPECT_EQ(found[1].offset, 102);
    EXPECT_EQ(found[0].record_delta, protocol::batch_header_size);
    EXPECT_GT(found[1].record_delta, found[0].record_delta);
    const std::vector<key_entry> expected = found;
    EXPECT_EQ(idx.lookup(a), expected);
    ASSERT_TRUE(idx.seal(batch.size(), 104));
    EXPECT_EQ(idx.lookup(a), expected);
    key_index reopened(path, 100);
    EXPECT_FALSE(reopened.open_sealed(batch.size() + 1, 104));  // another .log size
    EXPECT_FALSE(reopened.open_sealed(batch.size(), 105));      // another end
    ASSERT_TRUE(reopened.open_sealed(batch.size(), 104));
    EXPECT_EQ(reopened.lookup(a), expected);
    ASSERT_EQ(reopened.lookup(to_bytes("b")).size(), 1u);
    EXPECT_EQ(reopened.lookup(to_bytes("b"))[0].offset, 101);
    // A compressed batch is read whole: no record position.
    key_index packed(dir.path() / "00000000000000000000.keyindex", 0);
    packed.add_batch(keyed_batch({{"a", "1"}, {"a", "2"}}, protocol::compression::lz4), 0);
    ASSERT_EQ(packed.lookup(a).size(), 2u);
    EXPECT_EQ(packed.lookup(a)[1].record_delta, 0u);
    key_index other_base(path, 99);
    EXPECT_FALSE(other_base.open_sealed(batch.size(), 104));
}

}  // namespace
}  // namespace sluice::log

namespace sluice::log {
namespace {

// Enough distinct keys that sealing sorts them by buckets of hash bits (the
// path small segments never take), sealed and each looked up again, with
// several records for some keys so their runs stay in offset order.
TEST(key_index_seal, many_keys_sealed_and_found) {
    testing::temp_dir dir;
    key_index index(dir.path() / "0.keyindex", 0);
    std::map<std::string, std::vector<int64_t>> model;
    int64_t offset = 0;
    uint32_t position = 0;
    for (int b = 0; b < 300; ++b) {
        std::vector<std::pair<std::string, std::string>> kv;
        for (int i = 0; i < 50; ++i) {
            const int n = b * 50 + i;
            const std::string key = "k" + std::to_string(n % 3 == 0 ? n % 97 : n);
            kv.emplace_back(key, "v");
            model[key].push_back(offset + i);
        }
        auto batch = keyed_batch(kv);
        protocol::set_base_offset(batch.data(), offset);
        index.add_batch(batch, position);
        offset += 50;
        position += static_cast<uint32_t>(batch.size());
    }
    ASSERT_TRUE(index.seal(position, offset));
    ASSERT_TRUE(index.sealed());
    EXPECT_EQ(index.entry_count(), 15000u);
    for (const auto& [key, offsets] : model) {
        auto k = to_bytes(key);
        std::vector<int64_t> found;
        for (const auto& e : index.lookup(k)) found.push_back(e.offset);
        EXPECT_EQ(found, offsets) << key;
    }
}

}  // namespace
}  // namespace sluice::log

// Corrections (log/key_corrections.h): the header's parsing, the leader's
// check of what a record corrects (same key, below the log end, malformed
// values, sealed segments, hash collisions, no index), and the corrected
// view (replacement in place, chains, targets outside the records read).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "log/key_conditions.h"
#include "log/key_corrections.h"
#include "log/key_index.h"
#include "log/partition_log.h"
#include "log_test_util.h"

namespace sluice::log {
namespace {

using protocol::error_code;

protocol::bytes to_bytes(std::string_view s) { return protocol::bytes(s.begin(), s.end()); }

struct rec {
    std::string key;                       // empty: no key
    std::optional<std::string> corrects;   // the header's value, if carried
    std::string value = "v";
};

protocol::bytes batch_of(const std::vector<rec>& recs, protocol::compression codec = protocol::compression::none) {
    std::vector<protocol::record> records;
    for (size_t i = 0; i < recs.size(); ++i) {
        protocol::record r;
        r.offset = static_cast<int64_t>(i);
        r.timestamp = 1000;
        if (!recs[i].key.empty()) r.key = to_bytes(recs[i].key);
        r.value = to_bytes(recs[i].value);
        if (recs[i].corrects) r.headers.emplace_back(std::string(corrects_offset_header), to_bytes(*recs[i].corrects));
        records.push_back(std::move(r));
    }
    protocol::batch_builder_options options;
    options.codec = codec;
    return protocol::build_batch(records, options);
}

std::optional<int64_t> parse(std::string_view s) {
    return parse_corrects_offset(protocol::bytes_view(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

TEST(corrects_offset_header, parses_non_negative_offsets_only) {
    EXPECT_EQ(parse("0"), 0);
    EXPECT_EQ(parse("41"), 41);
    EXPECT_EQ(parse("9223372036854775807"), INT64_MAX);
    for (std::string_view bad : {"", "-1", "-", "+1", " 1", "1x", "abc", "9223372036854775808"}) {
        EXPECT_EQ(parse(bad), std::nullopt) << bad;
    }
}

class key_corrections_test : public ::testing::Test {
protected:
    std::unique_ptr<partition_log> open(bool key_index = true, uint32_t segment_bytes = 1 << 20) {
        log_config c;
        c.key_index = key_index;
        c.segment_bytes = segment_bytes;
        error_code error;
        auto log = partition_log::open(dir_.path() / "t-0", {"t", 0}, c, false, error);
        EXPECT_EQ(error, error_code::none);
        return log;
    }
    key_condition_verdict check_then_append(partition_log& log, protocol::bytes batch) {
        key_condition_verdict v = check_key_conditions(batch, log);
        if (v.ok()) {
            EXPECT_EQ(log.append(batch, 0, 5000).error, error_code::none);
        }
        return v;
    }
    std::string refusal(partition_log& log, const std::vector<rec>& recs) {
        const int64_t end = log.log_end_offset();
        auto v = check_then_append(log, batch_of(recs));
        EXPECT_EQ(log.log_end_offset(), end);
        if (v.code != error_code::invalid_record || v.errors.empty()) return "not refused";
        EXPECT_FALSE(v.errors[0].conflict);
        return v.errors[0].message;
    }
    testing::temp_dir dir_;
};

TEST_F(key_corrections_test, a_correction_of_the_same_keys_record_passes) {
    auto log = open();
    ASSERT_TRUE(check_then_append(*log, batch_of({{"a", {}}, {"b", {}}})).ok());  // 0, 1
    EXPECT_TRUE(check_then_append(*log, batch_of({{"a", "0"}})).ok());             // 2
    EXPECT_TRUE(check_then_append(*log, batch_of({{"a", "2"}})).ok());             // 3: of a correction
    EXPECT_TRUE(check_then_append(*log, batch_of({{"b", "1"}, {"a", "0"}}, protocol::compression::lz4)).ok());
    EXPECT_EQ(log->log_end_offset(), 6);
}

TEST_F(key_corrections_test, bad_corrections_are_refused_saying_why_and_append_nothing) {
    auto log = open();
    ASSERT_TRUE(check_then_append(*log, batch_of({{"a", {}}, {"b", {}}})).ok());  // 0, 1
    EXPECT_NE(refusal(*log, {{"a", "1"}}).find("not a record of key 'a'"), std::string::npos);
    EXPECT_NE(refusal(*log, {{"a", "2"}}).find("not below the log end 2"), std::string::npos);
    EXPECT_NE(refusal(*log, {{"a", "99"}}).find("not below the log end"), std::string::npos);
    // A record of this same batch is not below the log end either.
    EXPECT_NE(refusal(*log, {{"a", {}}, {"a", "2"}}).find("not below the log end"), std::string::npos);
    EXPECT_NE(refusal(*log, {{"a", "x1"}}).find("must be a decimal offset, not 'x1'"), std::string::npos);
    EXPECT_NE(refusal(*log, {{"a", "-1"}}).find("must be a decimal offset"), std::string::npos);
    EXPECT_NE(refusal(*log, {{"a", ""}}).find("must be a decimal offset"), std::string::npos);
    EXPECT_NE(refusal(*log, {{"", "0"}}).find("needs a key"), std::string::npos);
    // One bad record refuses the batch; the record error names it.
    auto v = check_then_append(*log, batch_of({{"a", "0"}, {"b", "0"}}, protocol::compression::zstd));
    ASSERT_EQ(v.code, error_code::invalid_record);
    ASSERT_EQ(v.errors.size(), 1u);
    EXPECT_EQ(v.errors[0].batch_index, 1);
    EXPECT_EQ(log->log_end_offset(), 2);
}

TEST_F(key_corrections_test, twice_in_one_record_is_refused) {
    auto log = open();
    ASSERT_TRUE(check_then_append(*log, batch_of({{"a", {}}})).ok());
    std::vector<protocol::record> records(1);
    records[0].key = to_bytes("a");
    records[0].headers.emplace_back(std::string(corrects_offset_header), to_bytes("0"));
    records[0].headers.emplace_back(std::string(corrects_offset_header), to_bytes("0"));
    auto v = check_key_conditions(protocol::build_batch(records, {}), *log);
    ASSERT_EQ(v.code, error_code::invalid_record);
    EXPECT_NE(v.errors.at(0).message.find("more than once"), std::string::npos);
}

TEST_F(key_corrections_test, the_corrected_record_is_found_in_sealed_segments_and_below_the_log_start_is_gone) {
    auto log = open(true, 600);
    ASSERT_TRUE(check_then_append(*log, batch_of({{"old", {}}})).ok());  // 0
    for (int i = 0; i < 40; ++i) ASSERT_TRUE(check_then_append(*log, batch_of({{"filler", {}}})).ok());
    ASSERT_TRUE(log->segments().front()->keys()->sealed());
    EXPECT_TRUE(check_then_append(*log, batch_of({{"old", "0"}})).ok());
    EXPECT_NE(refusal(*log, {{"old", "5"}}).find("not a record of key 'old'"), std::string::npos);
    EXPECT_NE(refusal(*log, {{"filler", "0"}}).find("not a record of key 'filler'"), std::string::npos);
}

uint64_t constant_hash(protocol::bytes_view) { return 7; }

TEST_F(key_corrections_test, hash_collisions_compare_the_key) {
    key_index::set_hash_for_testing(constant_hash);
    auto log = open();
    ASSERT_TRUE(check_then_append(*log, batch_of({{"a", {}}, {"b", {}}})).ok());
    EXPECT_TRUE(check_then_append(*log, batch_of({{"a", "0"}})).ok());
    EXPECT_NE(refusal(*log, {{"a", "1"}}).find("not a record of key 'a'"), std::string::npos);
    key_index::set_hash_for_testing(nullptr);
}

TEST_F(key_corrections_test, the_header_on_a_topic_without_the_index_is_refused) {
    auto log = open(false);
    ASSERT_TRUE(check_then_append(*log, batch_of({{"a", {}}})).ok());
    auto v = check_key_conditions(batch_of({{"a", "0"}}), *log);
    ASSERT_EQ(v.code, error_code::invalid_record);
    EXPECT_NE(v.errors.at(0).message.find("no key index"), std::string::npos);
    EXPECT_NE(v.errors.at(0).message.find(corrects_offset_header), std::string::npos);
}

key_record shown(int64_t offset, std::string value, std::optional<int64_t> corrects = std::nullopt) {
    key_record r;
    r.record.offset = offset;
    r.record.key = to_bytes("k");
    r.record.value = to_bytes(value);
    if (corrects) r.record.headers.emplace_back(std::string(corrects_offset_header), to_bytes(std::to_string(*corrects)));
    return r;
}

std::vector<std::string> view_of(std::vector<key_record> records) {
    std::vector<std::string> out;
    for (const auto& r : corrected_view(std::move(records))) {
        const auto& v = *r.record.record.value;
        out.push_back(std::to_string(r.record.record.offset) + ":" + std::string(v.begin(), v.end()) + "/" +
                      std::to_string(r.corrects));
    }
    return out;
}

TEST(corrected_view, replaces_each_corrected_record_in_place_by_its_latest_correction) {
    using v = std::vector<std::string>;
    EXPECT_EQ(view_of({}), v{});
    EXPECT_EQ(view_of({shown(0, "a"), shown(3, "b")}), (v{"0:a/-1", "3:b/-1"}));
    // 0 corrected by 5 then by 9; 3 by 7; 8 stays.
    EXPECT_EQ(view_of({shown(0, "dep 100"), shown(3, "wd 10"), shown(5, "dep 110", 0), shown(7, "wd 1", 3),
                       shown(8, "dep 5"), shown(9, "dep 101", 0)}),
              (v{"9:dep 101/0", "7:wd 1/3", "8:dep 5/-1"}));
    // A correction of a correction corrects the chain's original.
    EXPECT_EQ(view_of({shown(0, "x"), shown(1, "y", 0), shown(2, "z", 1), shown(4, "w")}), (v{"2:z/0", "4:w/-1"}));
    // A target not among the records read: the correction stays in place,
    // and is the original of its own corrections.
    EXPECT_EQ(view_of({shown(10, "c", 2), shown(11, "d"), shown(12, "e", 10)}), (v{"12:e/2", "11:d/-1"}));
}

}  // namespace
}  // namespace sluice::log

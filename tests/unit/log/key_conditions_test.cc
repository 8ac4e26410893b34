// Consistent writes (log/key_conditions.h): the header's parsing, every
// verdict, records of one batch judged in order, a retried idempotent batch
// never judged, compressed batches, hash collisions, sealed segments, and a
// topic without the index. Each check runs as the leader runs it: right
// before the append, against the log's end and index.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "log/key_conditions.h"
#include "log/key_index.h"
#include "log/partition_log.h"
#include "log_test_util.h"

namespace sluice::log {
namespace {

using protocol::error_code;

protocol::bytes to_bytes(std::string_view s) { return protocol::bytes(s.begin(), s.end()); }

struct rec {
    std::string key;                       // empty: no key
    std::optional<std::string> expected;   // the header's value, if carried
    std::vector<std::string> more_headers = {};
};

protocol::bytes batch_of(const std::vector<rec>& recs, protocol::compression codec = protocol::compression::none,
                         int64_t producer_id = -1, int32_t sequence = -1) {
    std::vector<protocol::record> records;
    for (size_t i = 0; i < recs.size(); ++i) {
        protocol::record r;
        r.offset = static_cast<int64_t>(i);
        r.timestamp = 1000;
        if (!recs[i].key.empty()) r.key = to_bytes(recs[i].key);
        r.value = to_bytes("v" + std::to_string(i));
        for (const auto& h : recs[i].more_headers) r.headers.emplace_back(h, to_bytes("x"));
        if (recs[i].expected) r.headers.emplace_back(std::string(expected_offset_header), to_bytes(*recs[i].expected));
        records.push_back(std::move(r));
    }
    protocol::batch_builder_options options;
    options.codec = codec;
    if (producer_id >= 0) {
        options.producer_id = producer_id;
        options.producer_epoch = 0;
        options.base_sequence = sequence;
    }
    return protocol::build_batch(records, options);
}

std::optional<int64_t> parse(std::string_view s) {
    return parse_expected_offset(protocol::bytes_view(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

TEST(expected_offset_header, parses_offsets_and_minus_one_only) {
    EXPECT_EQ(parse("0"), 0);
    EXPECT_EQ(parse("41"), 41);
    EXPECT_EQ(parse("-1"), -1);
    EXPECT_EQ(parse("9223372036854775807"), INT64_MAX);
    for (std::string_view bad : {"", "-", "-2", "-0", "+1", " 1", "1 ", "1x", "abc", "0x10", "1.0",
                                 "9223372036854775808", "99999999999999999999"}) {
        EXPECT_EQ(parse(bad), std::nullopt) << bad;
    }
}

class key_conditions_test : public ::testing::Test {
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
    // The check then, if it passed, the append: as the produce path does.
    key_condition_verdict check_then_append(partition_log& log, protocol::bytes batch, append_result* out = nullptr) {
        key_condition_verdict v = check_key_conditions(batch, log);
        if (v.ok()) {
            append_result r = log.append(batch, 0, 5000);
            EXPECT_EQ(r.error, error_code::none);
            if (out) *out = r;
        }
        return v;
    }
    testing::temp_dir dir_;
};

TEST_F(key_conditions_test, records_without_the_header_always_pass) {
    auto log = open();
    EXPECT_TRUE(check_then_append(*log, batch_of({{"a", {}}, {"a", {}}, {"", {}}})).ok());
    EXPECT_EQ(log->log_end_offset(), 3);
}

TEST_F(key_conditions_test, a_chain_of_expectations_passes_and_a_stale_one_conflicts) {
    auto log = open();
    EXPECT_TRUE(check_then_append(*log, batch_of({{"a", "-1"}})).ok());     // 0
    EXPECT_TRUE(check_then_append(*log, batch_of({{"b", "-1"}})).ok());     // 1
    EXPECT_TRUE(check_then_append(*log, batch_of({{"a", "0"}})).ok());      // 2
    auto stale = check_then_append(*log, batch_of({{"a", "0"}}));
    ASSERT_EQ(stale.code, error_code::invalid_record);
    ASSERT_EQ(stale.errors.size(), 1u);
    EXPECT_TRUE(stale.errors[0].conflict);
    EXPECT_EQ(stale.errors[0].batch_index, 0);
    EXPECT_EQ(stale.errors[0].expected, 0);
    EXPECT_EQ(stale.errors[0].latest, 2);
    EXPECT_NE(stale.errors[0].message.find("Expected offset 0"), std::string::npos) << stale.errors[0].message;
    EXPECT_NE(stale.errors[0].message.find("the latest is 2"), std::string::npos) << stale.errors[0].message;
    auto exists = check_then_append(*log, batch_of({{"b", "-1"}}));
    ASSERT_EQ(exists.code, error_code::invalid_record);
    EXPECT_EQ(exists.errors[0].latest, 1);
    auto none_yet = check_then_append(*log, batch_of({{"c", "1"}}));
    ASSERT_EQ(none_yet.code, error_code::invalid_record);
    EXPECT_EQ(none_yet.errors[0].latest, -1);
    EXPECT_NE(none_yet.errors[0].message.find("-1 (no record)"), std::string::npos);
    EXPECT_EQ(log->log_end_offset(), 3);
}

TEST_F(key_conditions_test, one_conflict_refuses_the_whole_batch_naming_each_record) {
    auto log = open();
    ASSERT_TRUE(check_then_append(*log, batch_of({{"a", "-1"}, {"b", "-1"}})).ok());  // 0, 1
    auto v = check_then_append(*log, batch_of({{"a", "0"}, {"b", "0"}, {"c", "-1"}, {"d", "1"}}));
    ASSERT_EQ(v.code, error_code::invalid_record);
    ASSERT_EQ(v.errors.size(), 2u);
    EXPECT_EQ(v.errors[0].batch_index, 1);
    EXPECT_TRUE(v.errors[0].conflict);
    EXPECT_EQ(v.errors[1].batch_index, 3);
    EXPECT_TRUE(v.errors[1].conflict);
    EXPECT_EQ(v.errors[1].latest, -1);
    EXPECT_EQ(log->log_end_offset(), 2);
}

TEST_F(key_conditions_test, records_of_one_batch_count_in_order) {
    auto log = open();
    ASSERT_TRUE(check_then_append(*log, batch_of({{"x", {}}})).ok());  // 0
    // The second record expects the first's offset (1): both pass.
    EXPECT_TRUE(check_then_append(*log, batch_of({{"a", "-1"}, {"a", "1"}, {"a", "2"}})).ok());
    EXPECT_EQ(log->log_end_offset(), 4);
    // Expecting the latest from before the batch, after a sibling record of
    // the key (with or without the header), is a conflict.
    auto v = check_then_append(*log, batch_of({{"a", "3"}, {"a", "3"}}));
    ASSERT_EQ(v.code, error_code::invalid_record);
    ASSERT_EQ(v.errors.size(), 1u);
    EXPECT_EQ(v.errors[0].batch_index, 1);
    EXPECT_EQ(v.errors[0].latest, 4);
    auto w = check_then_append(*log, batch_of({{"a", {}}, {"a", "3"}}));
    ASSERT_EQ(w.code, error_code::invalid_record);
    EXPECT_EQ(w.errors[0].batch_index, 1);
    EXPECT_EQ(log->log_end_offset(), 4);
}

TEST_F(key_conditions_test, malformed_values_are_refused_with_a_message) {
    auto log = open();
    ASSERT_TRUE(check_then_append(*log, batch_of({{"a", "-1"}})).ok());  // 0
    struct shape {
        std::vector<rec> recs;
        std::string says;
    };
    const std::vector<shape> shapes = {
        {{{"a", "zero"}}, "must be a decimal offset"},
        {{{"a", "-2"}}, "must be a decimal offset"},
        {{{"a", ""}}, "must be a decimal offset"},
        {{{"a", "1"}}, "beyond the log end"},   // its own offset
        {{{"a", "77"}}, "beyond the log end"},
        {{{"", "0"}}, "needs a key"},
        {{{"a", "0", {std::string(expected_offset_header)}}}, "more than once"},
    };
    for (const auto& s : shapes) {
        auto v = check_then_append(*log, batch_of(s.recs));
        ASSERT_EQ(v.code, error_code::invalid_record) << s.says;
        ASSERT_EQ(v.errors.size(), 1u);
        EXPECT_FALSE(v.errors[0].conflict);
        EXPECT_NE(v.errors[0].message.find(s.says), std::string::npos) << v.errors[0].message;
    }
    EXPECT_EQ(log->log_end_offset(), 1);
}

TEST_F(key_conditions_test, compressed_batches_are_checked) {
    auto log = open();
    ASSERT_TRUE(check_then_append(*log, batch_of({{"a", "-1"}})).ok());
    for (auto codec : {protocol::compression::gzip, protocol::compression::snappy, protocol::compression::lz4,
                       protocol::compression::zstd}) {
        const int64_t latest = *latest_key_offset(*log, to_bytes("a"));
        auto stale = check_then_append(*log, batch_of({{"a", std::to_string(latest - 1)}}, codec));
        EXPECT_EQ(stale.code, error_code::invalid_record);
        EXPECT_TRUE(check_then_append(*log, batch_of({{"a", std::to_string(latest)}, {"b", {}}}, codec)).ok());
    }
    EXPECT_EQ(log->log_end_offset(), 9);
}

TEST_F(key_conditions_test, the_latest_is_found_in_sealed_segments) {
    auto log = open(true, 600);  // a few records per segment
    ASSERT_TRUE(check_then_append(*log, batch_of({{"old", "-1"}})).ok());  // 0
    for (int i = 0; i < 40; ++i) ASSERT_TRUE(check_then_append(*log, batch_of({{"filler", {}}})).ok());
    ASSERT_GT(log->segments().size(), 3u);
    EXPECT_TRUE(log->segments().front()->keys()->sealed());
    EXPECT_EQ(check_then_append(*log, batch_of({{"old", "-1"}})).errors.at(0).latest, 0);
    EXPECT_TRUE(check_then_append(*log, batch_of({{"old", "0"}})).ok());
    EXPECT_EQ(latest_key_offset(*log, to_bytes("old")), 41);
    EXPECT_EQ(latest_key_offset(*log, to_bytes("filler")), 40);
    EXPECT_EQ(latest_key_offset(*log, to_bytes("never")), -1);
}

uint64_t constant_hash(protocol::bytes_view) { return 7; }

TEST_F(key_conditions_test, hash_collisions_compare_the_key) {
    key_index::set_hash_for_testing(constant_hash);
    auto log = open();
    ASSERT_TRUE(check_then_append(*log, batch_of({{"a", "-1"}})).ok());  // 0
    for (int i = 0; i < 30; ++i) ASSERT_TRUE(check_then_append(*log, batch_of({{"b" + std::to_string(i), {}}})).ok());
    EXPECT_EQ(latest_key_offset(*log, to_bytes("a")), 0);
    EXPECT_EQ(latest_key_offset(*log, to_bytes("c")), -1);
    EXPECT_TRUE(check_then_append(*log, batch_of({{"a", "0"}})).ok());
    key_index::set_hash_for_testing(nullptr);
}

TEST_F(key_conditions_test, a_retried_idempotent_batch_is_never_judged) {
    auto log = open();
    auto first = batch_of({{"a", "-1"}}, protocol::compression::none, 9, 0);
    append_result original;
    ASSERT_TRUE(check_then_append(*log, first, &original).ok());
    // The same batch again: its expectation no longer holds, but the producer
    // state calls it a retry, so the append answers it with its first offset.
    auto retry = batch_of({{"a", "-1"}}, protocol::compression::none, 9, 0);
    EXPECT_TRUE(check_key_conditions(retry, *log).ok());
    append_result again = log->append(retry, 0, 5000);
    EXPECT_TRUE(again.duplicate);
    EXPECT_EQ(again.base_offset, original.base_offset);
    EXPECT_EQ(log->log_end_offset(), 1);
    // The producer's next batch is judged as any.
    auto next = batch_of({{"a", "-1"}}, protocol::compression::none, 9, 1);
    EXPECT_EQ(check_key_conditions(next, *log).code, error_code::invalid_record);
}

TEST_F(key_conditions_test, the_header_on_a_topic_without_the_index_is_refused) {
    auto log = open(false);
    auto v = check_key_conditions(batch_of({{"a", {}}, {"a", "-1"}}), *log);
    ASSERT_EQ(v.code, error_code::invalid_record);
    ASSERT_EQ(v.errors.size(), 1u);
    EXPECT_EQ(v.errors[0].batch_index, 1);
    EXPECT_NE(v.errors[0].message.find("no key index"), std::string::npos);
    EXPECT_TRUE(check_key_conditions(batch_of({{"a", {}, {"other"}}}), *log).ok());
}

TEST_F(key_conditions_test, a_header_name_inside_a_value_costs_a_walk_not_a_refusal) {
    auto log = open();
    std::vector<protocol::record> records(1);
    records[0].key = to_bytes("a");
    records[0].value = to_bytes(std::string("text mentioning ") + std::string(expected_offset_header));
    auto batch = protocol::build_batch(records, {});
    EXPECT_TRUE(check_key_conditions(batch, *log).ok());
}

}  // namespace
}  // namespace sluice::log

// The Produce handler's decisions on a broker built in a temp dir (never
// run, no sockets): what it appends, the error code of each refusal, and
// what differs between versions.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/broker.h"
#include "broker/handlers/handlers.h"
#include "broker/topics/topic_registry.h"
#include "log/partition_log.h"
#include "log/write_ring.h"
#include "protocol/generated/produce.h"
#include "protocol/crc32c.h"
#include "protocol/record_batch.h"
#include "unit/broker/registry_calls.h"
#include "unit/temp_dir.h"

namespace sluice::broker {
namespace {

using protocol::error_code;
using protocol::to_wire;
using response_t = protocol::produce_response;

protocol::bytes batch_of(std::vector<std::optional<std::string>> keys, std::string value = "v",
                         protocol::compression codec = protocol::compression::none) {
    std::vector<protocol::record> records;
    for (auto& k : keys) {
        protocol::record r;
        if (k) r.key = protocol::bytes(k->begin(), k->end());
        r.value = protocol::bytes(value.begin(), value.end());
        r.timestamp = 1'000;
        r.offset = static_cast<int64_t>(records.size());
        records.push_back(std::move(r));
    }
    protocol::batch_builder_options options;
    options.codec = codec;
    return protocol::build_batch(records, options);
}

// A batch edited after it was built, its CRC made right again: only what
// lies under the CRC is wrong.
void fix_crc(protocol::bytes& batch) {
    constexpr size_t crc_at = 17, attributes_at = 21;
    uint32_t crc = protocol::crc32c(batch.data() + attributes_at, batch.size() - attributes_at);
    for (int i = 0; i < 4; ++i) batch[crc_at + static_cast<size_t>(i)] = static_cast<uint8_t>(crc >> (24 - 8 * i));
}

class ProduceHandlerTest : public ::testing::Test {
protected:
    ProduceHandlerTest() {
        broker_config cfg;
        cfg.listeners = {{"PLAINTEXT", "127.0.0.1", 0, "PLAINTEXT"}};
        cfg.advertised_listeners = cfg.listeners;
        cfg.log_dirs = {dir_.path().string()};
        b_ = std::make_unique<broker>(cfg);
    }

    void create_topic(const std::string& name, int32_t partitions, topic_config configs = {}) {
        auto r = testing::create_now(b_->topics(), name, partitions, 1, configs, false);
        ASSERT_TRUE(r.ok()) << r.message;
    }

    static protocol::produce_request request_of(const std::string& topic, int32_t partition, protocol::bytes records,
                                                int16_t acks = 1) {
        protocol::produce_request body;
        body.acks = acks;
        body.timeout_ms = 1000;
        auto& t = body.topic_data.emplace_back();
        t.name = topic;
        auto& p = t.partition_data.emplace_back();
        p.index = partition;
        p.records = protocol::records_field::of_bytes(std::move(records));
        return body;
    }

    handler_result produce(const protocol::produce_request& body, int16_t version) {
        protocol::writer w;
        body.encode(w, version);
        frame_ = std::move(w.buffer());
        request req;
        req.api_key = protocol::produce_request::api_key;
        req.api_version = version;
        req.body = std::span<uint8_t>(frame_.data(), frame_.size());
        return handle_produce(*b_, req);
    }

    // Answered at once: the one partition's answer.
    response_t::partition_produce_response answer(const protocol::produce_request& body, int16_t version = 9) {
        handler_result result = produce(body, version);
        EXPECT_FALSE(result.deferred) << "the produce waits";
        EXPECT_EQ(result.what, handler_result::action::respond);
        response_t response;
        protocol::reader r(protocol::bytes_view(result.body.buffer().data(), result.body.buffer().size()));
        response.decode(r, version);
        EXPECT_TRUE(r.ok());
        EXPECT_EQ(response.responses.size(), 1u);
        EXPECT_EQ(response.responses.at(0).partition_responses.size(), 1u);
        return response.responses.at(0).partition_responses.at(0);
    }

    int64_t log_end(const std::string& topic, int32_t partition) {
        return b_->topics().find(topic, partition)->log->log_end_offset();
    }

    sluice::testing::temp_dir dir_{"sluice-produce-handler"};
    std::unique_ptr<broker> b_;
    protocol::bytes frame_;
};

TEST_F(ProduceHandlerTest, appends_and_answers_the_base_offset) {
    create_topic("t", 1);
    auto first = answer(request_of("t", 0, batch_of({"a", "b"})));
    EXPECT_EQ(first.error_code, 0);
    EXPECT_EQ(first.base_offset, 0);
    auto second = answer(request_of("t", 0, batch_of({"c"})));
    EXPECT_EQ(second.base_offset, 2);
    EXPECT_EQ(log_end("t", 0), 3);
}

TEST_F(ProduceHandlerTest, unknown_topics_and_partitions) {
    create_topic("t", 1);
    EXPECT_EQ(answer(request_of("nope", 0, batch_of({"a"}))).error_code, to_wire(error_code::unknown_topic_or_partition));
    EXPECT_EQ(answer(request_of("t", 1, batch_of({"a"}))).error_code, to_wire(error_code::unknown_topic_or_partition));
    EXPECT_EQ(answer(request_of("t", -1, batch_of({"a"}))).error_code, to_wire(error_code::unknown_topic_or_partition));
}

TEST_F(ProduceHandlerTest, acks_outside_0_1_all_is_refused_and_nothing_is_written) {
    create_topic("t", 1);
    auto r = answer(request_of("t", 0, batch_of({"a"}), 2));
    EXPECT_EQ(r.error_code, to_wire(error_code::invalid_required_acks));
    EXPECT_EQ(r.base_offset, -1);
    EXPECT_EQ(log_end("t", 0), 0);
}

TEST_F(ProduceHandlerTest, acks_0_gets_no_answer_but_is_appended) {
    create_topic("t", 1);
    EXPECT_EQ(produce(request_of("t", 0, batch_of({"a"}), 0), 9).what, handler_result::action::no_response);
    EXPECT_EQ(log_end("t", 0), 1);
}

TEST_F(ProduceHandlerTest, a_damaged_batch_is_corrupt_and_nothing_is_written) {
    create_topic("t", 1);
    protocol::bytes batch = batch_of({"a", "b"});
    batch.back() ^= 0xff;  // the CRC no longer matches
    EXPECT_EQ(answer(request_of("t", 0, batch)).error_code, to_wire(error_code::corrupt_message));
    // Half a batch.
    protocol::bytes half = batch_of({"a"});
    half.resize(half.size() / 2);
    EXPECT_EQ(answer(request_of("t", 0, half)).error_code, to_wire(error_code::corrupt_message));
    EXPECT_EQ(log_end("t", 0), 0);
}

// Kafka's ProduceRequest.validateRecords: v3+ carries magic 2 only.
TEST_F(ProduceHandlerTest, an_old_message_format_in_produce_v3_is_an_invalid_record) {
    create_topic("t", 1);
    protocol::bytes batch = batch_of({"a"});
    batch[16] = 1;  // magic 1: a v0/v1 message set
    EXPECT_EQ(answer(request_of("t", 0, batch)).error_code, to_wire(error_code::invalid_record));
    EXPECT_EQ(answer(request_of("t", 0, batch), 3).error_code, to_wire(error_code::invalid_record));
    EXPECT_EQ(log_end("t", 0), 0);
}

// Produce v0-v2 converts a legacy set to one v2 batch (legacy_convert.h).
TEST_F(ProduceHandlerTest, an_old_message_format_in_produce_v2_is_converted_and_appended) {
    create_topic("t", 1);
    // offset 0, size 20, crc, magic 0, attributes 0, key "k", value "v"
    protocol::bytes message = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 'k', 0, 0, 0, 1, 'v'};
    uint32_t crc = static_cast<uint32_t>(::crc32(0L, message.data() + 16, static_cast<uInt>(message.size() - 16)));
    for (int i = 0; i < 4; ++i) message[12 + static_cast<size_t>(i)] = static_cast<uint8_t>(crc >> (24 - 8 * i));
    for (int16_t version : {0, 1, 2}) {
        auto r = answer(request_of("t", 0, message), version);
        EXPECT_EQ(r.error_code, 0) << version;
        EXPECT_EQ(r.base_offset, version) << version;
    }
    EXPECT_EQ(log_end("t", 0), 3);
    // Shorter than a v2 batch header: still a legacy message to v3+.
    EXPECT_EQ(answer(request_of("t", 0, message), 3).error_code, to_wire(error_code::invalid_record));
    message[27] ^= 1;  // the value, under the CRC
    EXPECT_EQ(answer(request_of("t", 0, message), 2).error_code, to_wire(error_code::corrupt_message));
    EXPECT_EQ(log_end("t", 0), 3);
}

TEST_F(ProduceHandlerTest, a_batch_over_max_message_bytes_is_too_large) {
    create_topic("t", 1, {{"max.message.bytes", "200"}});
    EXPECT_EQ(answer(request_of("t", 0, batch_of({"a"}, std::string(500, 'x')))).error_code,
              to_wire(error_code::message_too_large));
    EXPECT_EQ(answer(request_of("t", 0, batch_of({"a"}, "small"))).error_code, 0);
}

TEST_F(ProduceHandlerTest, internal_topics_are_written_by_their_coordinators_only) {
    create_topic("__consumer_offsets", 1);
    EXPECT_EQ(answer(request_of("__consumer_offsets", 0, batch_of({"a"}))).error_code,
              to_wire(error_code::invalid_topic_exception));
}

TEST_F(ProduceHandlerTest, keyless_records_on_a_compacted_topic_name_each_record_from_v8) {
    create_topic("c", 1, {{"cleanup.policy", "compact"}});
    auto v8 = answer(request_of("c", 0, batch_of({"k", std::nullopt, "k2", std::nullopt})), 8);
    EXPECT_EQ(v8.error_code, to_wire(error_code::invalid_record));
    ASSERT_EQ(v8.record_errors.size(), 2u);
    EXPECT_EQ(v8.record_errors[0].batch_index, 1);
    EXPECT_EQ(v8.record_errors[1].batch_index, 3);
    ASSERT_TRUE(v8.error_message);
    EXPECT_NE(v8.error_message->find("2 record errors"), std::string::npos) << *v8.error_message;
    // Before v8 the answer has no room for them: the code alone.
    auto v7 = answer(request_of("c", 0, batch_of({std::nullopt})), 7);
    EXPECT_EQ(v7.error_code, to_wire(error_code::invalid_record));
    EXPECT_TRUE(v7.record_errors.empty());
    EXPECT_EQ(log_end("c", 0), 0);
    EXPECT_EQ(answer(request_of("c", 0, batch_of({"k"}))).error_code, 0);
}

TEST_F(ProduceHandlerTest, a_partition_gets_one_batch_per_request) {
    // Kafka's LogValidator refuses a second v2 batch for a partition.
    create_topic("t", 1);
    protocol::bytes two = batch_of({"a"});
    protocol::bytes second = batch_of({"b"});
    two.insert(two.end(), second.begin(), second.end());
    auto r = answer(request_of("t", 0, two));
    EXPECT_EQ(r.error_code, to_wire(error_code::invalid_record));
    EXPECT_EQ(r.error_message, "Compressed outer record has more than one batch");
    EXPECT_EQ(log_end("t", 0), 0);
}

// Several partitions' appends go out together (log/write_ring.h): one
// submission for the request's writes, each partition answered on its own.
TEST_F(ProduceHandlerTest, partitions_of_a_request_are_written_together) {
    create_topic("t", 5);
    create_topic("u", 2);
    protocol::produce_request body = request_of("t", 0, batch_of({"a", "b"}));
    for (int32_t p = 1; p < 5; ++p) {
        auto& part = body.topic_data[0].partition_data.emplace_back();
        part.index = p;
        protocol::bytes records = batch_of(std::vector<std::optional<std::string>>(static_cast<size_t>(p + 1), "k"));
        if (p == 2) records[records.size() - 1] ^= 1;  // damaged: refused, the others still written
        part.records = protocol::records_field::of_bytes(std::move(records));
    }
    auto& u = body.topic_data.emplace_back();
    u.name = "u";
    for (int32_t p : {1, 7}) {  // 7 does not exist
        auto& part = u.partition_data.emplace_back();
        part.index = p;
        part.records = protocol::records_field::of_bytes(batch_of({"x", "y", "z"}));
    }
    log::write_ring::set_enabled(true);  // sluice.produce.io_uring.enable
    const auto before = log::write_ring::thread_counters();
    handler_result result = produce(body, 9);
    const auto after = log::write_ring::thread_counters();
    log::write_ring::set_enabled(false);
    ASSERT_EQ(result.what, handler_result::action::respond);
    response_t response;
    protocol::reader r(protocol::bytes_view(result.body.buffer().data(), result.body.buffer().size()));
    response.decode(r, 9);
    ASSERT_EQ(response.responses.size(), 2u);
    const auto& t = response.responses[0].partition_responses;
    ASSERT_EQ(t.size(), 5u);
    for (int32_t p = 0; p < 5; ++p) {
        EXPECT_EQ(t[static_cast<size_t>(p)].index, p);
        if (p == 2) {
            EXPECT_EQ(t[2].error_code, to_wire(error_code::corrupt_message));
            EXPECT_EQ(log_end("t", 2), 0);
            continue;
        }
        EXPECT_EQ(t[static_cast<size_t>(p)].error_code, 0);
        EXPECT_EQ(t[static_cast<size_t>(p)].base_offset, 0);
        EXPECT_EQ(log_end("t", p), p == 0 ? 2 : p + 1);
    }
    const auto& answered_u = response.responses[1].partition_responses;
    ASSERT_EQ(answered_u.size(), 2u);
    EXPECT_EQ(answered_u[0].error_code, 0);
    EXPECT_EQ(log_end("u", 1), 3);
    EXPECT_EQ(answered_u[1].error_code, to_wire(error_code::unknown_topic_or_partition));
    EXPECT_EQ(after.ring_writes - before.ring_writes, 5u);
    EXPECT_EQ(after.submissions - before.submissions, 1u);
    // The next request continues every log where the last one ended.
    EXPECT_EQ(answer(request_of("t", 3, batch_of({"c"}))).base_offset, 4);
}

// A partition named twice in one request: its first append is written and
// recorded before the second is prepared, so both land, in order.
TEST_F(ProduceHandlerTest, a_partition_named_twice_in_a_request_gets_both_appends_in_order) {
    create_topic("t", 2);
    protocol::produce_request body = request_of("t", 0, batch_of({"a", "b"}));
    for (int32_t p : {1, 0}) {
        auto& part = body.topic_data[0].partition_data.emplace_back();
        part.index = p;
        part.records = protocol::records_field::of_bytes(batch_of({"c"}));
    }
    handler_result result = produce(body, 9);
    response_t response;
    protocol::reader r(protocol::bytes_view(result.body.buffer().data(), result.body.buffer().size()));
    response.decode(r, 9);
    ASSERT_EQ(response.responses.at(0).partition_responses.size(), 3u);
    const auto& answers = response.responses[0].partition_responses;
    EXPECT_EQ(answers[0].base_offset, 0);
    EXPECT_EQ(answers[1].base_offset, 0);
    EXPECT_EQ(answers[2].base_offset, 2);
    for (const auto& a : answers) EXPECT_EQ(a.error_code, 0);
    EXPECT_EQ(log_end("t", 0), 3);
    EXPECT_EQ(log_end("t", 1), 1);
}

TEST_F(ProduceHandlerTest, a_truncated_request_closes_the_connection) {
    create_topic("t", 1);
    protocol::writer w;
    request_of("t", 0, batch_of({"a"})).encode(w, 9);
    frame_ = std::move(w.buffer());
    frame_.resize(frame_.size() / 2);
    request req;
    req.api_key = protocol::produce_request::api_key;
    req.api_version = 9;
    req.body = std::span<uint8_t>(frame_.data(), frame_.size());
    EXPECT_EQ(handle_produce(*b_, req).what, handler_result::action::close);
    EXPECT_EQ(log_end("t", 0), 0);
}

// produce.batch.validation: what each mode refuses, with crafted batches.
class ValidationModeTest : public ProduceHandlerTest {
protected:
    void create_both() {
        create_topic("strict", 1, {{"produce.batch.validation", "strict"}});
        create_topic("relaxed", 1, {{"produce.batch.validation", "relaxed"}});
    }
    int16_t code(const std::string& topic, const protocol::bytes& batch) {
        return answer(request_of(topic, 0, batch)).error_code;
    }
};

TEST_F(ValidationModeTest, the_broker_default_is_strict) {
    create_topic("t", 1);
    EXPECT_FALSE(b_->topics().find("t")->settings.relaxed_validation);
    EXPECT_TRUE(testing::create_now(b_->topics(), "bad", 1, 1, {{"produce.batch.validation", "lax"}}, false).code ==
                error_code::invalid_config);
}

TEST_F(ValidationModeTest, only_strict_opens_a_compressed_batch) {
    create_both();
    protocol::bytes batch = batch_of({"a", "b", "c"}, std::string(200, 'x'), protocol::compression::lz4);
    for (size_t i = 61; i < batch.size(); ++i) batch[i] = 0xee;  // not lz4 any more
    fix_crc(batch);
    EXPECT_EQ(code("strict", batch), to_wire(error_code::corrupt_message));
    EXPECT_EQ(code("relaxed", batch), 0);  // stored as sent: consumers will fail to read it
}

TEST_F(ValidationModeTest, only_strict_walks_the_records) {
    create_both();
    protocol::bytes batch = batch_of({"a", "b"});
    batch[61] = 0x7f;  // the first record's length varint: far past the batch
    fix_crc(batch);
    EXPECT_EQ(code("strict", batch), to_wire(error_code::corrupt_message));
    EXPECT_EQ(code("relaxed", batch), 0);
}

TEST_F(ValidationModeTest, both_check_the_crc_the_header_and_the_count) {
    create_both();
    for (const char* topic : {"strict", "relaxed"}) {
        protocol::bytes damaged = batch_of({"a"}, "v", protocol::compression::lz4);
        damaged.back() ^= 1;
        EXPECT_EQ(code(topic, damaged), to_wire(error_code::corrupt_message)) << topic;

        protocol::bytes miscounted = batch_of({"a", "b"});
        miscounted[60] = 3;  // record count 3 with a last offset delta of 1
        fix_crc(miscounted);
        EXPECT_EQ(code(topic, miscounted), to_wire(error_code::invalid_record)) << topic;

        protocol::bytes codec7 = batch_of({"a"});
        codec7[22] |= 0x7;  // compression codec 7 does not exist
        fix_crc(codec7);
        EXPECT_EQ(code(topic, codec7), to_wire(error_code::unsupported_compression_type)) << topic;

        EXPECT_EQ(code(topic, batch_of({"a"}, "v", protocol::compression::lz4)), 0) << topic;
    }
    EXPECT_EQ(log_end("strict", 0), 1);
    EXPECT_EQ(log_end("relaxed", 0), 1);
}

TEST_F(ValidationModeTest, a_compacted_topic_checks_keys_in_either_mode) {
    create_topic("c", 1, {{"cleanup.policy", "compact"}, {"produce.batch.validation", "relaxed"}});
    EXPECT_EQ(code("c", batch_of({std::nullopt}, "v", protocol::compression::lz4)), to_wire(error_code::invalid_record));
    EXPECT_EQ(code("c", batch_of({"k"}, "v", protocol::compression::lz4)), 0);
}

// message.timestamp.before/after.max.ms (and difference.max.ms) around the broker's clock.
class TimestampBoundsTest : public ProduceHandlerTest {
protected:
    static protocol::bytes batch_at(const std::vector<int64_t>& timestamps,
                                    protocol::compression codec = protocol::compression::none) {
        std::vector<protocol::record> records;
        for (int64_t ts : timestamps) {
            protocol::record r;
            r.key = protocol::bytes{'k'};
            r.value = protocol::bytes{'v'};
            r.timestamp = ts;
            r.offset = static_cast<int64_t>(records.size());
            records.push_back(std::move(r));
        }
        protocol::batch_builder_options options;
        options.codec = codec;
        return protocol::build_batch(records, options);
    }
    static constexpr int64_t minute = 60'000;
};

TEST_F(TimestampBoundsTest, records_too_far_from_the_clock_are_named_and_nothing_is_written) {
    create_topic("t", 1, {{"message.timestamp.before.max.ms", "60000"}, {"message.timestamp.after.max.ms", "60000"}});
    const int64_t now = now_ms();
    auto r = answer(request_of("t", 0, batch_at({now, now - 2 * minute, now + 2 * minute, -1})), 9);
    EXPECT_EQ(r.error_code, to_wire(error_code::invalid_timestamp));
    ASSERT_EQ(r.record_errors.size(), 2u);
    EXPECT_EQ(r.record_errors[0].batch_index, 1);
    EXPECT_EQ(r.record_errors[1].batch_index, 2);
    ASSERT_TRUE(r.record_errors[0].batch_index_error_message);
    EXPECT_NE(r.record_errors[0].batch_index_error_message->find(
                  fmt::format("Timestamp {} of message with offset 1 is out of range", now - 2 * minute)),
              std::string::npos)
        << *r.record_errors[0].batch_index_error_message;
    EXPECT_EQ(r.error_message, "One or more records have been rejected due to invalid timestamp");
    EXPECT_EQ(log_end("t", 0), 0);
    // A -1 ("no timestamp") lowest in the batch hides nothing above it.
    auto hidden = answer(request_of("t", 0, batch_at({-1, now, now - 2 * minute})), 9);
    EXPECT_EQ(hidden.error_code, to_wire(error_code::invalid_timestamp));
    ASSERT_EQ(hidden.record_errors.size(), 1u);
    EXPECT_EQ(hidden.record_errors[0].batch_index, 2);
    // Within the bounds (and -1, "no timestamp"): appended.
    EXPECT_EQ(answer(request_of("t", 0, batch_at({now - minute / 2, now + minute / 2, -1}))).error_code, 0);
    EXPECT_EQ(log_end("t", 0), 3);
}

TEST_F(TimestampBoundsTest, each_side_has_its_own_bound) {
    create_topic("past", 1, {{"message.timestamp.before.max.ms", "60000"}});
    create_topic("future", 1, {{"message.timestamp.after.max.ms", "60000"}});
    const int64_t now = now_ms();
    const int64_t year = 365LL * 24 * 60 * minute;
    EXPECT_EQ(answer(request_of("past", 0, batch_at({now - 2 * minute}))).error_code,
              to_wire(error_code::invalid_timestamp));
    EXPECT_EQ(answer(request_of("past", 0, batch_at({now + year}))).error_code, 0);
    EXPECT_EQ(answer(request_of("future", 0, batch_at({now + 2 * minute}))).error_code,
              to_wire(error_code::invalid_timestamp));
    EXPECT_EQ(answer(request_of("future", 0, batch_at({0}))).error_code, 0);
}

TEST_F(TimestampBoundsTest, difference_max_ms_stands_in_for_an_unset_side) {
    create_topic("d", 1, {{"message.timestamp.difference.max.ms", "60000"}});
    create_topic("d_before", 1,
                 {{"message.timestamp.difference.max.ms", "60000"}, {"message.timestamp.before.max.ms", "600000"}});
    const int64_t now = now_ms();
    EXPECT_EQ(answer(request_of("d", 0, batch_at({now - 2 * minute}))).error_code,
              to_wire(error_code::invalid_timestamp));
    EXPECT_EQ(answer(request_of("d", 0, batch_at({now + 2 * minute}))).error_code,
              to_wire(error_code::invalid_timestamp));
    EXPECT_EQ(answer(request_of("d_before", 0, batch_at({now - 2 * minute}))).error_code, 0);
    EXPECT_EQ(answer(request_of("d_before", 0, batch_at({now + 2 * minute}))).error_code,
              to_wire(error_code::invalid_timestamp));
}

TEST_F(TimestampBoundsTest, relaxed_validation_checks_them_too_and_log_append_time_does_not) {
    create_topic("relaxed", 1,
                 {{"message.timestamp.before.max.ms", "60000"}, {"produce.batch.validation", "relaxed"}});
    create_topic("append_time", 1,
                 {{"message.timestamp.before.max.ms", "60000"}, {"message.timestamp.type", "LogAppendTime"}});
    const int64_t now = now_ms();
    auto old = batch_at({now, now - 2 * minute}, protocol::compression::lz4);
    auto r = answer(request_of("relaxed", 0, old));
    EXPECT_EQ(r.error_code, to_wire(error_code::invalid_timestamp));
    ASSERT_EQ(r.record_errors.size(), 1u);
    EXPECT_EQ(r.record_errors[0].batch_index, 1);
    EXPECT_EQ(answer(request_of("append_time", 0, old)).error_code, 0);
}

TEST_F(TimestampBoundsTest, unbounded_by_default) {
    create_topic("t", 1);
    EXPECT_EQ(answer(request_of("t", 0, batch_at({0, INT64_MAX / 2}))).error_code, 0);
}

}  // namespace
}  // namespace sluice::broker

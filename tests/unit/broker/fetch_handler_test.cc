// The Fetch handler on a broker built in a temp dir (never run): when a
// fetch waits and when it answers, what an incremental session sends, and
// that a parked long poll is woken without allocating per partition.
#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "broker/broker.h"
#include "broker/handlers/handlers.h"
#include "broker/topics/topic_registry.h"
#include "unit/broker/registry_calls.h"
#include "log/partition_log.h"
#include "protocol/generated/fetch.h"
#include "protocol/record_batch.h"
#include "unit/broker/allocation_counter.h"
#include "unit/temp_dir.h"

namespace sluice::broker {
namespace {

using protocol::error_code;

constexpr int16_t version = 12;

class FetchHandlerTest : public ::testing::Test {
protected:
    FetchHandlerTest() {
        broker_config cfg;
        cfg.listeners = {{"PLAINTEXT", "127.0.0.1", 0, "PLAINTEXT"}};
        cfg.advertised_listeners = cfg.listeners;
        cfg.log_dirs = {dir_.path().string()};
        b_ = std::make_unique<broker>(cfg);
    }

    void create_topic(int32_t partitions) {
        auto r = testing::create_now(b_->topics(), "t", partitions, 1, {}, false);
        ASSERT_TRUE(r.ok()) << r.message;
    }

    static protocol::fetch_request request_of(int32_t session_id, int32_t epoch,
                                              const std::vector<std::pair<int32_t, int64_t>>& partitions) {
        protocol::fetch_request body;
        body.max_bytes = 1 << 20;
        body.session_id = session_id;
        body.session_epoch = epoch;
        if (!partitions.empty()) {
            auto& t = body.topics.emplace_back();
            t.topic = "t";
            for (auto [p, offset] : partitions) {
                auto& fp = t.partitions.emplace_back();
                fp.partition = p;
                fp.fetch_offset = offset;
                fp.partition_max_bytes = 1 << 20;
            }
        }
        return body;
    }

    handler_result fetch(const protocol::fetch_request& body) {
        protocol::writer w;
        body.encode(w, version);
        frame_ = std::move(w.buffer());
        request req;
        req.api_key = protocol::fetch_request::api_key;
        req.api_version = version;
        req.body = std::span<uint8_t>(frame_.data(), frame_.size());
        return handle_fetch(*b_, req);
    }

    // The response's records are views into its bytes, kept by the fixture.
    protocol::fetch_response decode(protocol::writer& w) {
        protocol::fetch_response response;
        protocol::bytes& flat = responses_.emplace_back();
        EXPECT_TRUE(w.flatten(flat));
        protocol::reader r(flat);
        response.decode(r, version);
        EXPECT_TRUE(r.ok());
        return response;
    }

    // Answered at once: the response; a fetch that waits fails the test.
    protocol::fetch_response answer(const protocol::fetch_request& body) {
        handler_result result = fetch(body);
        EXPECT_FALSE(result.deferred) << "the fetch waits";
        return decode(result.body);
    }

    void append_one(int32_t partition) {
        std::vector<protocol::record> records(1);
        records[0].key = protocol::bytes{'k'};
        records[0].value = protocol::bytes{'v'};
        protocol::bytes batch = protocol::build_batch(records, {});
        partition_state* p = b_->topics().find("t", partition);
        ASSERT_EQ(p->log->append(batch, 0, 1000).error, error_code::none);
        p->log->set_high_watermark(p->log->log_end_offset());
        p->notify();
    }

    static std::vector<std::pair<int32_t, int16_t>> partitions_in(const protocol::fetch_response& r) {
        std::vector<std::pair<int32_t, int16_t>> out;
        for (auto& t : r.responses) {
            for (auto& p : t.partitions) out.emplace_back(p.partition_index, p.error_code);
        }
        return out;
    }

    sluice::testing::temp_dir dir_{"sluice-fetch-handler"};
    std::unique_ptr<broker> b_;
    protocol::bytes frame_;
    std::deque<protocol::bytes> responses_;
};

TEST_F(FetchHandlerTest, min_bytes_zero_answers_at_once_even_with_max_wait) {
    // Kafka waits only while fewer than min_bytes are readable; with
    // min_bytes 0 (or less) that is never, whatever max_wait_ms says.
    create_topic(1);
    for (int32_t min_bytes : {0, -1}) {
        auto body = request_of(0, -1, {{0, 0}});
        body.max_wait_ms = 10'000;
        body.min_bytes = min_bytes;
        auto r = answer(body);
        EXPECT_EQ(partitions_in(r), (std::vector<std::pair<int32_t, int16_t>>{{0, 0}}));
    }
}

TEST_F(FetchHandlerTest, min_bytes_one_waits_for_data) {
    create_topic(1);
    auto body = request_of(0, -1, {{0, 0}});
    body.max_wait_ms = 10'000;
    body.min_bytes = 1;
    handler_result result = fetch(body);
    ASSERT_TRUE(result.deferred);
    std::optional<protocol::fetch_response> got;
    result.deferred([&](protocol::writer w) { got = decode(w); });
    EXPECT_FALSE(got);
    append_one(0);
    ASSERT_TRUE(got);
    EXPECT_GT(got->responses.at(0).partitions.at(0).records.size(), 0u);
}

TEST_F(FetchHandlerTest, incremental_session_always_sends_partitions_in_error) {
    // FetchSession.scala CachedPartition.maybeUpdateResponseData: an error
    // is always news, and once it is gone the partition is sent again.
    create_topic(2);
    auto opened = answer(request_of(0, 0, {{0, 0}, {1, 5}}));  // 5 is past the log end
    ASSERT_NE(opened.session_id, 0);
    int32_t session = opened.session_id;
    constexpr int16_t out_of_range = protocol::to_wire(error_code::offset_out_of_range);
    EXPECT_EQ(partitions_in(opened), (std::vector<std::pair<int32_t, int16_t>>{{0, 0}, {1, out_of_range}}));

    for (int32_t epoch = 1; epoch <= 2; ++epoch) {
        auto r = answer(request_of(session, epoch, {}));
        EXPECT_EQ(partitions_in(r), (std::vector<std::pair<int32_t, int16_t>>{{1, out_of_range}})) << epoch;
    }
    // The client moves back into range: the partition comes once more
    // (without error), then stays quiet.
    auto fixed = answer(request_of(session, 3, {{1, 0}}));
    EXPECT_EQ(partitions_in(fixed), (std::vector<std::pair<int32_t, int16_t>>{{1, 0}}));
    EXPECT_TRUE(partitions_in(answer(request_of(session, 4, {}))).empty());
}

TEST_F(FetchHandlerTest, a_partition_both_named_and_forgotten_leaves_the_session) {
    // FetchSession.update applies the request's partitions, then its
    // forgotten ones: a partition in both is forgotten.
    create_topic(2);
    auto opened = answer(request_of(0, 0, {{0, 0}, {1, 0}}));
    int32_t session = opened.session_id;
    ASSERT_NE(session, 0);
    auto body = request_of(session, 1, {{1, 0}});
    auto& forgotten = body.forgotten_topics_data.emplace_back();
    forgotten.topic = "t";
    forgotten.partitions = {1};
    answer(body);
    append_one(0);
    append_one(1);
    // Only partition 0 is in the session now.
    EXPECT_EQ(partitions_in(answer(request_of(session, 2, {}))), (std::vector<std::pair<int32_t, int16_t>>{{0, 0}}));
}

TEST_F(FetchHandlerTest, parked_fetch_is_woken_without_allocating_per_partition) {
    constexpr int32_t partitions = 200;
    create_topic(partitions);
    std::vector<std::pair<int32_t, int64_t>> all;
    for (int32_t p = 0; p < partitions; ++p) all.emplace_back(p, 0);
    auto body = request_of(0, -1, all);
    body.max_wait_ms = 60'000;
    body.min_bytes = 1;
    handler_result result = fetch(body);
    ASSERT_TRUE(result.deferred);
    int answers = 0;
    result.deferred([&](protocol::writer) { ++answers; });

    // A wake that finds nothing new re-checks every partition and parks the
    // fetch again on all of them: that must not cost an allocation per
    // partition (it used to cost a closure and a string each).
    partition_state* p7 = b_->topics().find("t", 7);
    size_t before = sluice::testing::allocations();
    for (int i = 0; i < 10; ++i) p7->notify();
    size_t per_wake = (sluice::testing::allocations() - before) / 10;
    EXPECT_EQ(answers, 0);
    EXPECT_LT(per_wake, 4u) << "allocations per wake of a fetch over " << partitions << " partitions";
    EXPECT_EQ(p7->waiters.size(), 1u);

    append_one(9);
    EXPECT_EQ(answers, 1);
    for (int32_t p = 0; p < partitions; ++p) EXPECT_TRUE(b_->topics().find("t", p)->waiters.empty()) << p;
}

}  // namespace
}  // namespace sluice::broker

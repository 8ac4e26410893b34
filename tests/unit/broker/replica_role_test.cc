// The leader side of replication in the handlers: a partition's role decides
// who may produce and fetch; acks=all waits for the ISR, which follower
// fetches move; leader epochs fence stale callers.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "broker/broker.h"
#include "broker/handlers/handlers.h"
#include "broker/handlers/list_offsets.h"
#include "broker/topics/partition_leader.h"
#include "broker/topics/topic_registry.h"
#include "log/partition_log.h"
#include "protocol/generated/fetch.h"
#include "protocol/generated/list_offsets.h"
#include "protocol/generated/produce.h"
#include "protocol/record_batch.h"
#include "unit/broker/registry_calls.h"
#include "unit/temp_dir.h"

namespace sluice::broker {
namespace {

using protocol::error_code;
using protocol::to_wire;

constexpr int16_t produce_version = 9;
constexpr int16_t fetch_version = 12;

class ReplicaRoleTest : public ::testing::Test {
protected:
    ReplicaRoleTest() {
        broker_config cfg;
        cfg.node_id = 1;
        cfg.listeners = {{"PLAINTEXT", "127.0.0.1", 0, "PLAINTEXT"}};
        cfg.advertised_listeners = cfg.listeners;
        cfg.log_dirs = {dir_.path().string()};
        b_ = std::make_unique<broker>(cfg);
    }

    void create_topic(const topic_config& configs = {}) {
        auto r = testing::create_now(b_->topics(), "t", 1, 1, configs, false);
        ASSERT_TRUE(r.ok()) << r.message;
    }
    partition_state& part() { return *b_->topics().find("t", 0); }

    handler_result call(handler_result (*handle)(broker&, request&), int16_t key, int16_t version,
                        protocol::writer w) {
        frames_.emplace_back(std::move(w.buffer()));
        request req;
        req.api_key = key;
        req.api_version = version;
        req.body = std::span<uint8_t>(frames_.back().data(), frames_.back().size());
        return handle(*b_, req);
    }

    handler_result produce(int16_t acks, int32_t timeout_ms = 10'000, int16_t version = produce_version) {
        std::vector<protocol::record> records(1);
        records[0].key = protocol::bytes{'k'};
        records[0].value = protocol::bytes{'v'};
        protocol::produce_request body;
        body.acks = acks;
        body.timeout_ms = timeout_ms;
        auto& t = body.topic_data.emplace_back();
        t.name = "t";
        auto& p = t.partition_data.emplace_back();
        p.index = 0;
        p.records = protocol::records_field::of_bytes(protocol::build_batch(records, {}));
        protocol::writer w;
        body.encode(w, version);
        return call(handle_produce, protocol::produce_request::api_key, version, std::move(w));
    }

    template <typename Response>
    Response decode(protocol::writer& w, int16_t version) {
        Response out;
        protocol::bytes& flat = responses_.emplace_back();
        EXPECT_TRUE(w.flatten(flat));
        protocol::reader r(flat);
        out.decode(r, version);
        EXPECT_TRUE(r.ok());
        return out;
    }

    protocol::produce_response::partition_produce_response produced(handler_result& result) {
        EXPECT_FALSE(result.deferred) << "the produce waits";
        return decode<protocol::produce_response>(result.body, produce_version).responses.at(0).partition_responses.at(0);
    }

    // Parks a deferred answer; `got` holds it once sent.
    template <typename Response>
    void start(handler_result& result, std::optional<Response>& got, int16_t version) {
        ASSERT_TRUE(result.deferred);
        result.deferred([this, &got, version](protocol::writer w) { got = decode<Response>(w, version); });
    }

    handler_result fetch(int64_t offset, int32_t replica_id, int32_t current_leader_epoch = -1,
                         int32_t last_fetched_epoch = -1) {
        protocol::fetch_request body;
        body.replica_id = replica_id;
        body.max_bytes = 1 << 20;
        body.session_epoch = -1;
        auto& t = body.topics.emplace_back();
        t.topic = "t";
        auto& fp = t.partitions.emplace_back();
        fp.partition = 0;
        fp.fetch_offset = offset;
        fp.partition_max_bytes = 1 << 20;
        fp.current_leader_epoch = current_leader_epoch;
        fp.last_fetched_epoch = last_fetched_epoch;
        protocol::writer w;
        body.encode(w, fetch_version);
        return call(handle_fetch, protocol::fetch_request::api_key, fetch_version, std::move(w));
    }

    protocol::fetch_response::partition_data fetched(int64_t offset, int32_t replica_id, int32_t epoch = -1,
                                                     int32_t last_fetched_epoch = -1) {
        handler_result result = fetch(offset, replica_id, epoch, last_fetched_epoch);
        EXPECT_FALSE(result.deferred) << "the fetch waits";
        return decode<protocol::fetch_response>(result.body, fetch_version).responses.at(0).partitions.at(0);
    }

    protocol::list_offsets_response::list_offsets_partition_response latest(int32_t current_leader_epoch = -1) {
        return list_offsets(-1, current_leader_epoch);
    }

    protocol::list_offsets_response::list_offsets_partition_response list_offsets(int64_t timestamp,
                                                                                 int32_t current_leader_epoch = -1,
                                                                                 int16_t version = 5,
                                                                                 int32_t replica_id = -1) {
        protocol::list_offsets_request req;
        req.replica_id = replica_id;
        auto& t = req.topics.emplace_back();
        t.name = "t";
        auto& p = t.partitions.emplace_back();
        p.partition_index = 0;
        p.timestamp = timestamp;
        p.current_leader_epoch = current_leader_epoch;
        return answer_list_offsets(req, version, b_->topics()).topics.at(0).partitions.at(0);
    }

    // Leader of replicas {1, 2} with both in the ISR.
    void lead_with_follower(int32_t epoch = 0) {
        become_leader(part(), leader_epoch(epoch), 1, {node_id(1), node_id(2)}, {node_id(1), node_id(2)}, now_ms());
    }

    sluice::testing::temp_dir dir_{"sluice-replica-role"};
    std::unique_ptr<broker> b_;
    std::deque<protocol::bytes> frames_;
    std::deque<protocol::bytes> responses_;
};

TEST_F(ReplicaRoleTest, acks_all_completes_at_once_when_the_leader_is_the_whole_isr) {
    create_topic();
    handler_result r = produce(-1);
    auto out = produced(r);
    EXPECT_EQ(out.error_code, 0);
    EXPECT_EQ(out.base_offset, 0);
    EXPECT_EQ(part().log->high_watermark(), 1);
}

TEST_F(ReplicaRoleTest, acks_all_below_min_insync_replicas_is_refused_before_appending) {
    topic_config configs;
    configs["min.insync.replicas"] = "2";
    create_topic(configs);
    handler_result r = produce(-1);
    EXPECT_EQ(produced(r).error_code, to_wire(error_code::not_enough_replicas));
    EXPECT_EQ(part().log->log_end_offset(), 0);
    // acks=1 does not ask for the ISR.
    handler_result one = produce(1);
    EXPECT_EQ(produced(one).error_code, 0);
    EXPECT_EQ(part().log->log_end_offset(), 1);
}

TEST_F(ReplicaRoleTest, a_follower_refuses_produce_consumer_fetch_and_list_offsets) {
    create_topic();
    become_follower(part(), node_id(2), leader_epoch(1), 1, {node_id(1), node_id(2)}, {node_id(1), node_id(2)});
    constexpr int16_t not_leader = to_wire(error_code::not_leader_or_follower);
    handler_result r = produce(1);
    EXPECT_EQ(produced(r).error_code, not_leader);
    EXPECT_EQ(part().log->log_end_offset(), 0);
    EXPECT_EQ(fetched(0, -1).error_code, not_leader);
    EXPECT_EQ(latest().error_code, not_leader);
}

TEST_F(ReplicaRoleTest, acks_all_waits_for_the_follower_to_fetch_past_the_records) {
    create_topic();
    lead_with_follower();
    handler_result r = produce(-1);
    std::optional<protocol::produce_response> got;
    start(r, got, produce_version);
    EXPECT_FALSE(got);
    EXPECT_EQ(part().log->high_watermark(), 0);
    // Consumers do not see uncommitted records; the follower does.
    EXPECT_EQ(fetched(0, -1).records.size(), 0u);
    auto copy = fetched(0, 2);
    EXPECT_GT(copy.records.size(), 0u);
    EXPECT_EQ(copy.high_watermark, 0);
    EXPECT_FALSE(got);
    // The follower asks from the new end: it has the records.
    auto next = fetched(1, 2);
    EXPECT_EQ(next.error_code, 0);
    EXPECT_EQ(next.high_watermark, 1);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->responses.at(0).partition_responses.at(0).error_code, 0);
    EXPECT_EQ(got->responses.at(0).partition_responses.at(0).base_offset, 0);
    EXPECT_EQ(part().log->high_watermark(), 1);
}

TEST_F(ReplicaRoleTest, acks_all_times_out_without_a_follower_fetch) {
    create_topic();
    lead_with_follower();
    handler_result r = produce(-1, 20);
    std::optional<protocol::produce_response> got;
    start(r, got, produce_version);
    b_->io().run_for(std::chrono::milliseconds(200));
    ASSERT_TRUE(got);
    EXPECT_EQ(got->responses.at(0).partition_responses.at(0).error_code, to_wire(error_code::request_timed_out));
    EXPECT_TRUE(part().waiters.empty());
}

TEST_F(ReplicaRoleTest, a_fetch_from_a_broker_that_is_not_a_replica_is_refused) {
    create_topic();
    lead_with_follower(4);
    // Partition.followerReplicaOrThrow: without a leader epoch
    // NOT_LEADER_OR_FOLLOWER, with the current one UNKNOWN_LEADER_EPOCH.
    EXPECT_EQ(fetched(0, 7).error_code, to_wire(error_code::not_leader_or_follower));
    EXPECT_EQ(fetched(0, 7, 4).error_code, to_wire(error_code::unknown_leader_epoch));
    EXPECT_EQ(fetched(0, 2, 4).error_code, 0);
}

TEST_F(ReplicaRoleTest, stale_and_future_leader_epochs_are_told_apart) {
    create_topic();
    lead_with_follower(5);
    EXPECT_EQ(fetched(0, -1, 4).error_code, to_wire(error_code::fenced_leader_epoch));
    EXPECT_EQ(fetched(0, -1, 6).error_code, to_wire(error_code::unknown_leader_epoch));
    EXPECT_EQ(fetched(0, -1, 5).error_code, 0);
    EXPECT_EQ(fetched(0, -1, -1).error_code, 0);
    EXPECT_EQ(latest(4).error_code, to_wire(error_code::fenced_leader_epoch));
    EXPECT_EQ(latest(6).error_code, to_wire(error_code::unknown_leader_epoch));
    EXPECT_EQ(latest(5).error_code, 0);
}

TEST_F(ReplicaRoleTest, produce_stamps_the_current_leader_epoch) {
    create_topic();
    lead_with_follower(3);
    set_isr(part(), {node_id(1)});
    handler_result r = produce(-1);
    EXPECT_EQ(produced(r).error_code, 0);
    EXPECT_EQ(part().log->leader_epochs().latest_epoch(), 3);
}

// KIP-951: a refusal names the leader this broker knows, so the client can
// go there without refreshing its metadata first.
TEST_F(ReplicaRoleTest, a_follower_names_the_leader_it_knows_in_its_refusals) {
    create_topic();
    become_follower(part(), node_id(2), leader_epoch(4), 1, {node_id(1), node_id(2)}, {node_id(1), node_id(2)});
    handler_result r = produce(1, 10'000, 10);
    ASSERT_FALSE(r.deferred);
    auto response = decode<protocol::produce_response>(r.body, 10);
    const auto& out = response.responses.at(0).partition_responses.at(0);
    EXPECT_EQ(out.error_code, to_wire(error_code::not_leader_or_follower));
    EXPECT_EQ(out.current_leader.leader_id, 2);
    EXPECT_EQ(out.current_leader.leader_epoch, 4);
    auto f = fetched(0, -1);
    EXPECT_EQ(f.error_code, to_wire(error_code::not_leader_or_follower));
    EXPECT_EQ(f.current_leader.leader_id, 2);
    EXPECT_EQ(f.current_leader.leader_epoch, 4);
    // A leader at a newer epoch than the caller's names itself.
    lead_with_follower(5);
    auto fenced = fetched(0, 2, 3);
    EXPECT_EQ(fenced.error_code, to_wire(error_code::fenced_leader_epoch));
    EXPECT_EQ(fenced.current_leader.leader_id, 1);
    EXPECT_EQ(fenced.current_leader.leader_epoch, 5);
}

// KIP-320 on the fetch path: a fetcher whose last fetched epoch ends earlier
// here is told where, and gets no records until it truncated.
TEST_F(ReplicaRoleTest, a_fetch_whose_last_epoch_diverged_is_told_where_that_epoch_ends) {
    create_topic();
    auto append_one = [this] {
        handler_result r = produce(1);
        ASSERT_EQ(produced(r).error_code, 0);
    };
    lead_with_follower(0);
    append_one();
    append_one();
    lead_with_follower(2);
    append_one();
    ASSERT_EQ(part().log->log_end_offset(), 3);

    // Epoch 0 ended at offset 2: a fetcher at 2 with epoch 0 agrees.
    auto agreed = fetched(2, 2, -1, 0);
    EXPECT_EQ(agreed.diverging_epoch.epoch, -1);
    EXPECT_GT(agreed.records.size(), 0u);
    // A fetcher that took offset 2 in epoch 0 (or in an epoch 1 never seen
    // here) has diverged: epoch 0 ends at 2.
    for (int32_t last : {0, 1}) {
        auto diverged = fetched(3, 2, -1, last);
        EXPECT_EQ(diverged.error_code, 0);
        EXPECT_EQ(diverged.diverging_epoch.epoch, 0) << last;
        EXPECT_EQ(diverged.diverging_epoch.end_offset, 2) << last;
        EXPECT_EQ(diverged.records.size(), 0u);
    }
    // The current epoch, even before anything is written in it, is no divergence.
    lead_with_follower(3);
    auto current = fetched(3, 2, -1, 3);
    EXPECT_EQ(current.diverging_epoch.epoch, -1);
    EXPECT_EQ(current.error_code, 0);
}

TEST_F(ReplicaRoleTest, a_new_leader_whose_high_watermark_lags_its_epoch_start_says_offset_not_available) {
    // KIP-207. Records 0 and 1 are in the log, uncommitted as far as this
    // broker knows (its high watermark is 0), when it becomes leader again at
    // epoch 1: their predecessor may have acknowledged them, so "latest" must
    // not read 0 until the follower has fetched in the new epoch.
    create_topic();
    lead_with_follower(0);
    handler_result first = produce(1);
    handler_result second = produce(1);
    ASSERT_EQ(part().log->log_end_offset(), 2);
    become_follower(part(), node_id(2), leader_epoch(1), 2, {node_id(1), node_id(2)}, {node_id(1), node_id(2)});
    become_leader(part(), leader_epoch(2), 3, {node_id(1), node_id(2)}, {node_id(1), node_id(2)}, now_ms());
    ASSERT_EQ(part().log->high_watermark(), 0);

    EXPECT_EQ(latest().error_code, to_wire(error_code::offset_not_available));
    EXPECT_EQ(list_offsets(-1, 2, 4).error_code, to_wire(error_code::leader_not_available)) << "before v5";
    EXPECT_EQ(list_offsets(-1, 2, 0).error_code, 0) << "v0 predates the rule";
    auto by_time = list_offsets(0);  // every record is at or after time 0, none readable yet
    EXPECT_EQ(by_time.error_code, to_wire(error_code::offset_not_available));
    EXPECT_EQ(list_offsets(-2).error_code, 0) << "earliest is always known";
    auto replica = list_offsets(-1, 2, 5, 2);
    EXPECT_EQ(replica.error_code, 0) << "a follower sees the log end";
    EXPECT_EQ(replica.offset, 2);

    // The follower fetches from the log end in the new epoch: committed.
    EXPECT_EQ(fetched(2, 2, 2).error_code, 0);
    auto now = latest();
    EXPECT_EQ(now.error_code, 0);
    EXPECT_EQ(now.offset, 2);
    EXPECT_EQ(now.leader_epoch, 2);
    EXPECT_EQ(list_offsets(0).offset, 0);
}

TEST_F(ReplicaRoleTest, a_timestamp_lookup_shows_a_consumer_only_committed_offsets) {
    create_topic();
    lead_with_follower(0);
    handler_result r = produce(1);
    ASSERT_EQ(part().log->log_end_offset(), 1);
    // Not lagging (nothing was committed before this epoch), just nothing
    // readable yet: no offset, as Kafka answers past the last fetchable one.
    auto none = list_offsets(0);
    EXPECT_EQ(none.error_code, 0);
    EXPECT_EQ(none.offset, -1);
    EXPECT_EQ(list_offsets(0, -1, 5, -2).offset, 0) << "the debugging id sees the whole log";
}

}  // namespace
}  // namespace sluice::broker

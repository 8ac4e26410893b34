// The transaction coordinator driven directly on a real broker in a temp
// dir: InitProducerId, AddPartitionsToTxn, EndTxn and their refusals, state
// kept in __transaction_state across a restart, markers sent over the wire
// to the broker itself, and the timeout's fencing abort. The broker's I/O
// context is polled by the test; nothing runs on its own.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <optional>
#include <thread>

#include "broker/broker.h"
#include "broker/groups/offsets_topic.h"
#include "broker/topics/topic_registry.h"
#include "broker/txn/coordinator.h"
#include "log/partition_log.h"
#include "unit/broker/registry_calls.h"
#include "unit/temp_dir.h"

namespace sluice::broker::txn {
namespace {

using protocol::error_code;

uint16_t free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

class temp_dir : public sluice::testing::temp_dir {
public:
    temp_dir() : sluice::testing::temp_dir("sluice-txn-coordinator-test") {}
};

struct init_result {
    error_code error = error_code::unknown_server_error;
    producer_id pid = no_producer_id;
    producer_epoch epoch = no_producer_epoch;
};

class TxnCoordinator : public ::testing::Test {
protected:
    void SetUp() override {
        port_ = free_port();
        start();
        ASSERT_TRUE(testing::create_now(b_->topics(), "data", 2, 1, {}, false).ok());
    }
    void start(std::vector<std::string> extra = {}) {
        b_.reset();
        const std::string listener = "PLAINTEXT://127.0.0.1:" + std::to_string(port_);
        std::vector<std::string> overrides{"listeners=" + listener, "advertised.listeners=" + listener,
                                           "log.dirs=" + dir_.path().string(),
                                           "transaction.state.log.num.partitions=4",
                                           // tests run side by side: no fixed port
                                           "http.listeners=", "schema.registry.listeners="};
        overrides.insert(overrides.end(), extra.begin(), extra.end());
        b_ = std::make_unique<broker>(broker_config::load(std::nullopt, overrides));
    }
    coordinator& co() { return b_->transactions(); }
    template <typename Pred>
    bool poll_until(Pred done) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!done() && std::chrono::steady_clock::now() < deadline) {
            b_->io().restart();
            b_->io().poll();
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return done();
    }
    init_result init(const std::string& id, int32_t timeout_ms = 60000,
                     std::optional<pid_and_epoch> expected = std::nullopt) {
        std::optional<init_result> out;
        co().init_producer_id(id, timeout_ms, expected, [&out](error_code e, producer_id p, producer_epoch ep) {
            out = init_result{e, p, ep};
        });
        EXPECT_TRUE(poll_until([&] { return out.has_value(); }));
        return out.value_or(init_result{});
    }
    error_code add(const std::string& id, const init_result& p, std::vector<topic_partition> parts) {
        std::optional<error_code> out;
        co().add_partitions(id, p.pid, p.epoch, std::move(parts), [&out](error_code e) { out = e; });
        EXPECT_TRUE(poll_until([&] { return out.has_value(); }));
        return out.value_or(error_code::unknown_server_error);
    }
    error_code end(const std::string& id, const init_result& p, bool commit) {
        std::optional<error_code> out;
        co().end_txn(id, p.pid, p.epoch, commit, [&out](error_code e) { out = e; });
        EXPECT_TRUE(poll_until([&] { return out.has_value(); }));
        return out.value_or(error_code::unknown_server_error);
    }
    txn_state state(const std::string& id) {
        txn_metadata m;
        EXPECT_EQ(co().describe(id, m), error_code::none);
        return m.state;
    }

    temp_dir dir_;
    uint16_t port_ = 0;
    std::unique_ptr<broker> b_;
};

TEST_F(TxnCoordinator, CommitGoesThroughPrepareMarkersAndComplete) {
    init_result p = init("t1");
    ASSERT_EQ(p.error, error_code::none);
    EXPECT_EQ(p.epoch, producer_epoch(0));
    EXPECT_EQ(state("t1"), txn_state::empty);
    EXPECT_EQ(add("t1", p, {{"data", 0}, {"data", 1}}), error_code::none);
    EXPECT_EQ(state("t1"), txn_state::ongoing);
    EXPECT_EQ(end("t1", p, true), error_code::none);
    // Answered at PrepareCommit; the markers reach this broker over the wire.
    EXPECT_TRUE(poll_until([&] { return state("t1") == txn_state::complete_commit; }));
    EXPECT_EQ(end("t1", p, true), error_code::none);  // a retry
    EXPECT_EQ(end("t1", p, false), error_code::invalid_txn_state);
}

TEST_F(TxnCoordinator, RefusalsAsKafkaGivesThem) {
    EXPECT_EQ(init("t", 0).error, error_code::invalid_transaction_timeout);
    EXPECT_EQ(init("t", 900001).error, error_code::invalid_transaction_timeout);
    init_result p = init("t");
    EXPECT_EQ(add("unknown", p, {{"data", 0}}), error_code::invalid_producer_id_mapping);
    EXPECT_EQ(end("unknown", p, true), error_code::invalid_producer_id_mapping);
    EXPECT_EQ(end("t", p, true), error_code::invalid_txn_state);
    init_result stale = p;
    stale.epoch = producer_epoch(5);
    EXPECT_EQ(add("t", stale, {{"data", 0}}), error_code::producer_fenced);
    txn_metadata m;
    EXPECT_EQ(co().describe("absent", m), error_code::transactional_id_not_found);
}

TEST_F(TxnCoordinator, StateSurvivesARestart) {
    init_result p = init("t2");
    ASSERT_EQ(add("t2", p, {{"data", 1}}), error_code::none);
    start();
    txn_metadata m;
    ASSERT_EQ(co().describe("t2", m), error_code::none);
    EXPECT_EQ(m.state, txn_state::ongoing);
    EXPECT_EQ(m.pid, p.pid);
    EXPECT_EQ(m.partitions, (std::set<topic_partition>{{"data", 1}}));
    // A new producer fences the old one: its transaction is aborted first,
    // with the epoch bumped (the markers and the retry that follows are
    // test_transactions.py's: this broker is never run()).
    EXPECT_EQ(init("t2").error, error_code::concurrent_transactions);
    ASSERT_EQ(co().describe("t2", m), error_code::none);
    EXPECT_EQ(m.state, txn_state::prepare_abort);
    EXPECT_EQ(m.epoch, producer_epoch(1));
    EXPECT_EQ(add("t2", p, {{"data", 1}}), error_code::producer_fenced);
}

TEST_F(TxnCoordinator, TimeoutAbortsAndFences) {
    init_result p = init("t3", 1000);
    ASSERT_EQ(add("t3", p, {{"data", 0}}), error_code::none);
    co().tick(now_ms() + 500);
    EXPECT_EQ(state("t3"), txn_state::ongoing);
    co().tick(now_ms() + 5000);
    EXPECT_TRUE(poll_until([&] { return state("t3") == txn_state::complete_abort; }));
    txn_metadata m;
    ASSERT_EQ(co().describe("t3", m), error_code::none);
    EXPECT_EQ(m.epoch, producer_epoch(1));
    EXPECT_EQ(end("t3", p, true), error_code::producer_fenced);
}

TEST_F(TxnCoordinator, AnExhaustedEpochMovesToANewProducerId) {
    init_result first = init("ex");
    ASSERT_EQ(first.error, error_code::none);
    // Rewrites the id's state at the last usable epoch, then reloads it.
    txn_metadata m;
    ASSERT_EQ(co().describe("ex", m), error_code::none);
    m.epoch = producer_epoch(32766);
    m.state = txn_state::complete_commit;
    partition_state* p = b_->topics().find(txn_topic_name, partition_for_txn("ex", 4));
    ASSERT_NE(p, nullptr);
    protocol::bytes batch = groups::build_offsets_batch({{txn_key("ex"), txn_value(m)}}, now_ms());
    ASSERT_EQ(p->log->append(batch, p->replica.epoch().value(), now_ms()).error, error_code::none);
    start();
    init_result next = init("ex", 60000, pid_and_epoch{first.pid, producer_epoch(32766)});
    ASSERT_EQ(next.error, error_code::none);
    EXPECT_NE(next.pid, first.pid);
    EXPECT_EQ(next.epoch, producer_epoch(0));
    ASSERT_EQ(co().describe("ex", m), error_code::none);
    EXPECT_EQ(m.previous_pid, first.pid);
    // The old producer retrying with its exhausted epoch gets the new id again.
    init_result retry = init("ex", 60000, pid_and_epoch{first.pid, producer_epoch(32766)});
    ASSERT_EQ(retry.error, error_code::none);
    EXPECT_EQ(retry.pid, next.pid);
    EXPECT_EQ(retry.epoch, producer_epoch(0));
}

TEST_F(TxnCoordinator, IdleIdsExpireWithATombstone) {
    start({"transactional.id.expiration.ms=1000", "transaction.remove.expired.transaction.cleanup.interval.ms=1000"});
    init_result p = init("idle");
    init_result busy = init("busy");
    ASSERT_EQ(add("busy", busy, {{"data", 0}}), error_code::none);
    co().tick(now_ms() + 500);
    EXPECT_EQ(state("idle"), txn_state::empty);
    co().tick(now_ms() + 2000);
    txn_metadata m;
    EXPECT_TRUE(poll_until([&] { return co().describe("idle", m) == error_code::transactional_id_not_found; }));
    // An open transaction is not idle (its timeout aborts it instead).
    EXPECT_EQ(co().describe("busy", m), error_code::none);
    // Gone from __transaction_state too: a restart does not bring it back.
    start({"transactional.id.expiration.ms=1000", "transaction.remove.expired.transaction.cleanup.interval.ms=1000"});
    EXPECT_EQ(co().describe("idle", m), error_code::transactional_id_not_found);
    EXPECT_EQ(co().describe("busy", m), error_code::none);
    (void)p;
}

}  // namespace
}  // namespace sluice::broker::txn

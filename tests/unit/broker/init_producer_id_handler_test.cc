// InitProducerId's answers for idempotent producers, as Kafka gives them: a
// new id at epoch 0 every time, whatever id and epoch the producer sent; the
// refusals with id and epoch -1; and the bytes of an answer in a
// non-flexible and a flexible version.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>

#include "broker/handlers/init_producer_id.h"
#include "broker/txn/producer_id_manager.h"
#include "unit/broker/handler_fixture.h"

namespace sluice::broker {
namespace {

using protocol::error_code;
using protocol::to_wire;
using request_t = protocol::init_producer_id_request;
using response_t = protocol::init_producer_id_response;

class InitProducerIdTest : public testing::HandlerTest {
protected:
    response_t ask(const request_t& req) {
        std::optional<response_t> out;
        answer_init_producer_id(req, ids_, [&](response_t r) {
            EXPECT_FALSE(out.has_value()) << "answered twice";
            out = r;
        });
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!out && std::chrono::steady_clock::now() < deadline) {
            io_.restart();
            io_.run_one_for(std::chrono::milliseconds(10));
        }
        EXPECT_TRUE(out.has_value());
        return out.value_or(response_t{});
    }
    static request_t idempotent(int64_t producer_id = -1, int16_t epoch = -1) {
        request_t r;
        r.transaction_timeout_ms = 60000;
        r.producer_id = producer_id;
        r.producer_epoch = epoch;
        return r;
    }
    static request_t transactional(std::string id) {
        request_t r = idempotent();
        r.transactional_id = std::move(id);
        return r;
    }
    static void expect_refused(const response_t& r, error_code code) {
        EXPECT_EQ(r.error_code, to_wire(code));
        EXPECT_EQ(r.producer_id, -1);
        EXPECT_EQ(r.producer_epoch, -1);
    }

    txn::producer_id_manager ids_{*store_, io_.get_executor()};
};

TEST_F(InitProducerIdTest, an_idempotent_producer_gets_a_new_id_at_epoch_zero_each_time) {
    auto first = ask(idempotent());
    EXPECT_EQ(first.error_code, 0);
    EXPECT_EQ(first.producer_id, 0);
    EXPECT_EQ(first.producer_epoch, 0);
    auto second = ask(idempotent());
    EXPECT_EQ(second.producer_id, 1);
    EXPECT_EQ(second.producer_epoch, 0);
}

TEST_F(InitProducerIdTest, the_id_and_epoch_of_a_resuming_idempotent_producer_are_ignored) {
    auto first = ask(idempotent());
    auto resumed = ask(idempotent(first.producer_id, 3));
    EXPECT_EQ(resumed.error_code, 0);
    EXPECT_NE(resumed.producer_id, first.producer_id);
    EXPECT_EQ(resumed.producer_epoch, 0);
}

TEST_F(InitProducerIdTest, only_one_of_id_and_epoch_is_an_invalid_request) {
    expect_refused(ask(idempotent(5, -1)), error_code::invalid_request);
    expect_refused(ask(idempotent(-1, 0)), error_code::invalid_request);
    auto t = transactional("tx");
    t.producer_id = 7;
    expect_refused(ask(t), error_code::invalid_request);
}

TEST_F(InitProducerIdTest, an_empty_transactional_id_is_an_invalid_request) {
    expect_refused(ask(transactional("")), error_code::invalid_request);
}

TEST_F(InitProducerIdTest, a_transactional_producer_is_refused_until_transactions_are_served) {
    expect_refused(ask(transactional("orders-tx")), error_code::transactional_id_authorization_failed);
    EXPECT_FALSE(ids_.allocating()) << "no id spent on a refusal";
}

TEST_F(InitProducerIdTest, answer_bytes) {
    response_t r;
    r.producer_id = 0x0102030405060708;
    r.producer_epoch = 0;
    protocol::writer v1;
    r.encode(v1, 1);
    // throttle_time_ms, error_code, producer_id, producer_epoch.
    const std::vector<uint8_t> plain{0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0};
    EXPECT_EQ(std::vector<uint8_t>(v1.buffer().begin(), v1.buffer().end()), plain);
    protocol::writer v4;
    r.encode(v4, 4);
    std::vector<uint8_t> flexible = plain;
    flexible.push_back(0);  // no tagged fields
    EXPECT_EQ(std::vector<uint8_t>(v4.buffer().begin(), v4.buffer().end()), flexible);
}

}  // namespace
}  // namespace sluice::broker

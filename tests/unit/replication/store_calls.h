#pragma once
// The metadata store's asynchronous mutations as plain calls, for tests:
// each runs `io` (if the store did not answer inline) until `done` arrives,
// and fails the test if it never does or arrives twice.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <optional>

#include "replication/metadata_store.h"

namespace sluice::replication::testing {

class store_calls {
public:
    store_calls(metadata_store& store, boost::asio::io_context& io) : store_(store), io_(io) {}

    // Writes the stored topic (its id) back into `topic` when ok.
    op_result create(topic_metadata& topic) {
        std::optional<op_result> out;
        int calls = 0;
        store_.create_topic(topic, io_.get_executor(), [&](op_result r, topic_metadata stored) {
            ++calls;
            if (r.ok()) topic = std::move(stored);
            out = std::move(r);
        });
        return wait(out, calls);
    }
    op_result remove(const std::string& name) {
        return call([&](auto done) { store_.delete_topic(name, io_.get_executor(), done); });
    }
    op_result set_partition_count(const std::string& name, int32_t count) {
        return call([&](auto done) { store_.set_partition_count(name, count, io_.get_executor(), done); });
    }
    op_result set_configs(const std::string& name, const topic_configs& configs,
                          std::optional<topic_configs> expected = std::nullopt) {
        return call(
            [&](auto done) { store_.set_topic_configs(name, configs, expected, io_.get_executor(), done); });
    }

    // The block in `block` when ok.
    op_result allocate_producer_ids(producer_id_block& block) {
        std::optional<op_result> out;
        int calls = 0;
        store_.allocate_producer_ids(io_.get_executor(), [&](op_result r, producer_id_block b) {
            ++calls;
            if (r.ok()) block = b;
            out = std::move(r);
        });
        return wait(out, calls);
    }

    op_result update_records(const std::string& kind, const record_changes& changes) {
        return call([&](auto done) { store_.update_records(kind, changes, io_.get_executor(), done); });
    }

private:
    template <typename Start>
    op_result call(Start start) {
        std::optional<op_result> out;
        int calls = 0;
        start([&](op_result r) {
            ++calls;
            out = std::move(r);
        });
        return wait(out, calls);
    }
    op_result wait(std::optional<op_result>& out, int& calls) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (!out && std::chrono::steady_clock::now() < deadline) {
            io_.restart();
            io_.run_one_for(std::chrono::milliseconds(50));
        }
        EXPECT_EQ(calls, 1) << "done must run exactly once";
        if (!out) return {protocol::error_code::request_timed_out, "no answer from the store"};
        return *out;
    }

    metadata_store& store_;
    boost::asio::io_context& io_;
};

}  // namespace sluice::replication::testing

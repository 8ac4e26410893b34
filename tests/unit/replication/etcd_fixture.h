#pragma once
// A test with a real etcd, an io_context and a client of that etcd.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <thread>

#include "replication/etcd/etcd_client.h"
#include "unit/replication/etcd_process.h"

namespace sluice::replication::testing {

class EtcdTest : public ::testing::Test {
protected:
    EtcdTest()
        : client_(io_.get_executor(), {etcd::parse_endpoints(etcd_.endpoint()), std::chrono::milliseconds(2000)}) {
        wait_ready();
    }

    // Runs the io_context until `cond` holds or `limit` passes; returns cond().
    template <typename Cond>
    bool run_until(Cond cond, std::chrono::milliseconds limit) {
        auto deadline = std::chrono::steady_clock::now() + limit;
        io_.restart();
        while (!cond() && std::chrono::steady_clock::now() < deadline) io_.run_for(std::chrono::milliseconds(20));
        return cond();
    }

    // Starts an asynchronous call and runs until its callback has a value.
    template <typename T, typename Start>
    std::optional<T> await(Start start, std::chrono::milliseconds limit = std::chrono::milliseconds(10000)) {
        std::optional<T> out;
        start([&out](T v) { out.emplace(std::move(v)); });
        run_until([&] { return out.has_value(); }, limit);
        return out;
    }

    std::optional<etcd::key_value> get(const std::string& key) {
        auto r = await<etcd::result<etcd::range_response>>([&](auto cb) { client_.range(key, "", cb); });
        if (!r || !r->ok() || r->value().kvs.empty()) return std::nullopt;
        return r->value().kvs[0];
    }

    size_t count(const std::string& prefix) {
        auto r = await<etcd::result<etcd::range_response>>(
            [&](auto cb) { client_.range(prefix, etcd::prefix_end(prefix), cb); });
        return r && r->ok() ? r->value().kvs.size() : 0;
    }

    etcd_process etcd_;
    boost::asio::io_context io_;
    etcd::client client_;

private:
    // A fresh single-node etcd takes a moment to elect itself.
    void wait_ready() {
        for (int i = 0; i < 100; ++i) {
            auto r = await<etcd::result<etcd::range_response>>([&](auto cb) { client_.range("ready", "", cb); },
                                                               std::chrono::milliseconds(5000));
            if (r && r->ok()) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        ADD_FAILURE() << "etcd never answered";
    }
};

}  // namespace sluice::replication::testing

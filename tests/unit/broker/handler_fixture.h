#pragma once
// A topic registry over a temp dir, for unit tests of the handlers' answers
// (no broker, no sockets).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "replication/local_metadata_store.h"
#include "broker/topics/topic_registry.h"
#include "unit/broker/registry_calls.h"
#include "unit/log/log_test_util.h"
#include "unit/temp_dir.h"

namespace sluice::broker::testing {

class HandlerTest : public ::testing::Test {
protected:
    HandlerTest()
        : store_(replication::local_metadata_store::open(dir_.path() / "meta", std::string("test-cluster"))),
          logs_({dir_.path() / "logs"}),
          topics_(config_, *store_, logs_, io_.get_executor()) {
        std::filesystem::create_directories(dir_.path() / "logs");
    }

    void create_topic(const std::string& name, int32_t partitions) {
        ASSERT_TRUE(testing::create_now(topics_, name, partitions, 1, {}, false).ok());
    }

    log::partition_log& log_of(const std::string& topic, int32_t partition) {
        partition_state* p = topics_.find(topic, partition);
        EXPECT_NE(p, nullptr);
        return *p->log;
    }

    // Appends one batch with these record timestamps and makes it readable
    // (high watermark at the log end, as a produce does).
    void append(const std::string& topic, int32_t partition, const std::vector<int64_t>& timestamps) {
        log::partition_log& lg = log_of(topic, partition);
        log::testing::append_copy(lg, log::testing::make_batch_with_timestamps(timestamps), 1'000);
        lg.set_high_watermark(lg.log_end_offset());
    }

    sluice::testing::temp_dir dir_{"sluice-handler"};
    broker_config config_;
    boost::asio::io_context io_;
    std::unique_ptr<replication::local_metadata_store> store_;
    log::log_manager logs_;
    topic_registry topics_;
};

}  // namespace sluice::broker::testing

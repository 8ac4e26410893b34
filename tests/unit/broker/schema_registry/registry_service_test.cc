// The registry inside a real broker (logs, topics, `_schemas`) built in a
// temp dir and never run: writes go through the service's one write path
// into the topic, and a second broker on the same directory (a restart,
// without a clean shutdown) rebuilds the same state from it.
#include "broker/schema_registry/registry_service.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <memory>

#include "broker/broker.h"
#include "broker/topics/topic_registry.h"
#include "log/partition_log.h"
#include "unit/temp_dir.h"

namespace sluice::broker::schema_registry {
namespace {

namespace json = boost::json;

class RegistryService : public ::testing::Test {
protected:
    void start() {
        b_.reset();
        broker_config cfg;
        cfg.listeners = {{"PLAINTEXT", "127.0.0.1", 0, "PLAINTEXT"}};
        cfg.advertised_listeners = cfg.listeners;
        cfg.log_dirs = {dir_.path().string()};
        cfg.schema_registry_listeners = {{"HTTP", "127.0.0.1", 0, "PLAINTEXT"}};
        b_ = std::make_unique<broker>(std::move(cfg));
    }
    registry_service& sr() { return *b_->schema_registry(); }

    http::answer call(std::string_view method, std::string_view target, std::string body = "") {
        std::optional<http::answer> got;
        sr().handle(method, target, "application/json", "", std::move(body),
                    [&got](http::answer a) { got = std::move(a); });
        for (int i = 0; i < 100 && !got; ++i)
            b_->io().poll();
        EXPECT_TRUE(got) << method << " " << target << " never answered";
        return got.value_or(http::answer{});
    }

    sluice::testing::temp_dir dir_{"sluice-schema-registry-test"};  // declared first: outlives the broker
    std::unique_ptr<broker> b_;
};

TEST_F(RegistryService, OffWhenTheConfigBuiltInCodeHasNoListener) {
    broker_config cfg;
    cfg.listeners = {{"PLAINTEXT", "127.0.0.1", 0, "PLAINTEXT"}};
    cfg.advertised_listeners = cfg.listeners;
    cfg.log_dirs = {dir_.path().string()};
    broker plain(std::move(cfg));
    EXPECT_EQ(plain.schema_registry(), nullptr);
}

TEST_F(RegistryService, WritesGoToSchemasAndARestartRebuildsThem) {
    start();
    EXPECT_NE(sr().bound_port(), 0);
    EXPECT_EQ(b_->topics().find(schemas_topic_name), nullptr);  // made by the first write
    auto a = call("POST", "/subjects/s/versions", R"({"schema":"\"int\""})");
    ASSERT_EQ(a.status, 200u) << a.body;
    EXPECT_EQ(json::parse(a.body).at("id").as_int64(), 1);
    ASSERT_NE(b_->topics().find(schemas_topic_name), nullptr);
    EXPECT_EQ(b_->topics().find(schemas_topic_name)->partitions.size(), 1u);
    call("POST", "/subjects/s/versions", R"({"schema":"\"long\""})");
    call("PUT", "/config", R"({"compatibility":"NONE"})");
    call("POST", "/subjects/t/versions", R"({"schema":"\"string\""})");
    call("DELETE", "/subjects/t");
    const auto* log = b_->topics().find(schemas_topic_name, 0)->log;
    EXPECT_EQ(log->high_watermark(), 5);  // one record per write

    start();  // the same directory, no clean shutdown
    EXPECT_EQ(sr().state().max_id(), 3);
    EXPECT_EQ(call("GET", "/subjects").body, R"(["s"])");
    EXPECT_EQ(call("GET", "/subjects?deleted=true").body, R"(["s","t"])");
    EXPECT_EQ(json::parse(call("GET", "/config").body).at("compatibilityLevel").as_string(), "NONE");
    EXPECT_EQ(json::parse(call("POST", "/subjects/u/versions", R"({"schema":"\"bytes\""})").body).at("id").as_int64(),
              4);
}

TEST_F(RegistryService, RefusesBodiesOfOtherTypes) {
    start();
    std::optional<http::answer> got;
    sr().handle("POST", "/subjects/s/versions", "text/plain", "", R"({"schema":"\"int\""})",
                [&got](http::answer a) { got = std::move(a); });
    ASSERT_TRUE(got);
    EXPECT_EQ(got->status, 415u);
    EXPECT_EQ(b_->topics().find(schemas_topic_name), nullptr);
}

// A single node is the one replica of `_schemas`: the remote reader stays
// idle, and nobody waits on it for a fresh fetch.
TEST_F(RegistryService, TheOnlyReplicaReadsLocallyAndNeverWaitsForAFetch) {
    start();
    ASSERT_EQ(call("POST", "/subjects/s/versions", R"({"schema":"\"string\""})").status, 200);
    registry_state other;
    int64_t next = 0;
    remote_reader reader(*b_, other, next);
    reader.start();
    for (int i = 0; i < 10; ++i)
        b_->io().poll();
    EXPECT_FALSE(reader.active());
    EXPECT_EQ(next, 0);  // nothing fetched
    bool called = false;
    reader.after_fresh_fetch(std::chrono::seconds(30), [&called] { called = true; });
    EXPECT_FALSE(called);  // never inline
    for (int i = 0; i < 10 && !called; ++i)
        b_->io().poll();
    EXPECT_TRUE(called);
    reader.stop();
}

}  // namespace
}  // namespace sluice::broker::schema_registry

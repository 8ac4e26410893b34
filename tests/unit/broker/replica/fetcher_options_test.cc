// The fetchers' options taken from the broker's configuration.
#include "broker/replica/fetcher_options.h"

#include <gtest/gtest.h>

namespace sluice::broker::replica {
namespace {

TEST(FetcherOptionsTest, node_id_and_replica_fetch_max_bytes_come_from_the_config) {
    broker_config config = broker_config::from_properties({{"node.id", "4"}, {"replica.fetch.max.bytes", "65536"}});
    auto o = fetcher_options(config, 17);
    EXPECT_EQ(o.replica_id, protocol::node_id(4));
    EXPECT_EQ(o.broker_epoch, 17);
    EXPECT_EQ(o.partition_max_bytes, 65536);
    // Kafka's defaults when unset.
    EXPECT_EQ(o.max_wait_ms, 500);
    EXPECT_EQ(o.min_bytes, 1);
    EXPECT_EQ(o.max_bytes, 10 << 20);
    EXPECT_EQ(o.backoff, std::chrono::milliseconds(1000));
    EXPECT_EQ(o.request_timeout, std::chrono::milliseconds(30000));
}

TEST(FetcherOptionsTest, every_replica_fetch_setting_comes_from_the_config) {
    broker_config config = broker_config::from_properties({{"replica.fetch.wait.max.ms", "250"},
                                                           {"replica.fetch.min.bytes", "1024"},
                                                           {"replica.fetch.response.max.bytes", "2097152"},
                                                           {"replica.fetch.backoff.ms", "50"},
                                                           {"replica.socket.timeout.ms", "4000"},
                                                           {"num.replica.fetchers", "3"}});
    auto o = fetcher_options(config);
    EXPECT_EQ(o.max_wait_ms, 250);
    EXPECT_EQ(o.min_bytes, 1024);
    EXPECT_EQ(o.max_bytes, 2097152);
    EXPECT_EQ(o.backoff, std::chrono::milliseconds(50));
    EXPECT_EQ(o.request_timeout, std::chrono::milliseconds(4000));
    EXPECT_EQ(config.num_replica_fetchers, 3);
}

}  // namespace
}  // namespace sluice::broker::replica

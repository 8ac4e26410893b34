// Which endpoint of another broker a request's listener is told.
#include <gtest/gtest.h>

#include "broker/handlers/common.h"
#include "replication/metadata_store.h"

namespace sluice::broker {
namespace {

TEST(EndpointOf, TheRequestsListenerOrNothingWhenTheBrokerHasNoSuchListener) {
    replication::broker_node n;
    n.host = "first";
    n.port = 1;
    n.endpoints = {{"PLAINTEXT", "first", 1, "PLAINTEXT"}, {"SSL", "secure", 2, "SSL"}};
    auto ssl = endpoint_of(n, "SSL");
    ASSERT_TRUE(ssl);
    EXPECT_EQ(ssl->host, "secure");
    EXPECT_EQ(ssl->port, 2);
    EXPECT_FALSE(endpoint_of(n, "INTERNAL"));  // left out, as Kafka leaves it out
    // Listeners unknown (a single node's store): its first one.
    replication::broker_node bare;
    bare.host = "h";
    bare.port = 9;
    auto any = endpoint_of(bare, "SSL");
    ASSERT_TRUE(any);
    EXPECT_EQ(any->port, 9);
}

}  // namespace
}  // namespace sluice::broker

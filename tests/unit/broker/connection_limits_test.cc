// max.connections.per.ip.overrides as Kafka writes it, and bad values.
#include "broker/net/connection_limits.h"

#include <gtest/gtest.h>

#include "broker/config/config_error.h"

namespace sluice::broker {
namespace {

TEST(ConnectionLimits, PerIpOverridesParseAndRefuseGarbage) {
    auto o = parse_per_ip_overrides(" 127.0.0.1:3, [::1]:0 ,hostA:100,");
    EXPECT_EQ(o, (ip_limits{{"127.0.0.1", 3}, {"::1", 0}, {"hostA", 100}}));
    EXPECT_TRUE(parse_per_ip_overrides("").empty());
    for (const char* bad : {"127.0.0.1", "127.0.0.1:", ":3", "127.0.0.1:-1", "127.0.0.1:3x", "a:b"}) {
        EXPECT_THROW(parse_per_ip_overrides(bad), config_error) << bad;
    }
    connection_limits l;
    l.max_per_ip = 5;
    l.per_ip_overrides = o;
    EXPECT_EQ(l.limit_for("127.0.0.1"), 3);
    EXPECT_EQ(l.limit_for("10.0.0.1"), 5);
}

}  // namespace
}  // namespace sluice::broker

// Client quotas: entity keys and Kafka's checks, the lookup precedence, and
// the token bucket's throttle times.
#include <gtest/gtest.h>

#include "broker/quotas/quota_bucket.h"
#include "broker/quotas/quota_entity.h"
#include "broker/quotas/quota_manager.h"
#include "broker/quotas/sampled_rate.h"
#include "broker/quotas/mutation_quota.h"

#include <boost/asio/io_context.hpp>

#include "replication/local_metadata_store.h"
#include "unit/temp_dir.h"

namespace sluice::broker::quotas {
namespace {

TEST(QuotaEntity, KeysRoundTripAnyNameAndTheDefault) {
    quota_entity e{entity_name{"a;b=c%@"}, entity_name{}, std::nullopt};
    auto key = entity_key(e);
    EXPECT_EQ(key, "user=a%3Bb%3Dc%25%40;client-id@");
    EXPECT_EQ(entity_from_key(key), e);
    quota_entity ip{std::nullopt, std::nullopt, entity_name{"10.0.0.1"}};
    EXPECT_EQ(entity_from_key(entity_key(ip)), ip);
    for (std::string_view bad : {"", "user", "user=a;user=b", "group=g", "user=%4", "user=%ZZ"}) {
        EXPECT_FALSE(entity_from_key(bad)) << bad;
    }
}

TEST(QuotaEntity, KafkasEntityAndKeyChecks) {
    EXPECT_TRUE(parse_entity({}).error);
    EXPECT_TRUE(parse_entity({{"group", "g"}}).error);
    EXPECT_TRUE(parse_entity({{"user", "a"}, {"user", "b"}}).error);
    EXPECT_TRUE(parse_entity({{"ip", "1.2.3.4"}, {"client-id", "c"}}).error);
    auto ok = parse_entity({{"client-id", std::nullopt}, {"user", "u"}});
    ASSERT_FALSE(ok.error);
    EXPECT_EQ(components_of(ok.entity),
              (std::vector<std::pair<std::string, entity_name>>{{"user", "u"}, {"client-id", std::nullopt}}));
    const quota_entity user{entity_name{"u"}, std::nullopt, std::nullopt};
    const quota_entity ip{std::nullopt, std::nullopt, entity_name{"1.2.3.4"}};
    EXPECT_FALSE(check_quota(user, "producer_byte_rate", 1024));
    EXPECT_FALSE(check_quota(user, "request_percentage", 12.5));
    EXPECT_TRUE(check_quota(user, "producer_byte_rate", 1.5));  // a long
    EXPECT_TRUE(check_quota(user, "producer_byte_rate", -1));
    EXPECT_TRUE(check_quota(user, "connection_creation_rate", 1));
    EXPECT_TRUE(check_quota(ip, "producer_byte_rate", 1));
    EXPECT_FALSE(check_quota(ip, "connection_creation_rate", 5));
}

TEST(QuotaEntity, LookupOrderIsKafkasMostSpecificFirst) {
    auto order = lookup_order("u", "c");
    ASSERT_EQ(order.size(), 8u);
    EXPECT_EQ(entity_key(order[0]), "user=u;client-id=c");
    EXPECT_EQ(entity_key(order[1]), "user=u;client-id@");
    EXPECT_EQ(entity_key(order[2]), "user=u");
    EXPECT_EQ(entity_key(order[3]), "user@;client-id=c");
    EXPECT_EQ(entity_key(order[4]), "user@;client-id@");
    EXPECT_EQ(entity_key(order[5]), "user@");
    EXPECT_EQ(entity_key(order[6]), "client-id=c");
    EXPECT_EQ(entity_key(order[7]), "client-id@");
    EXPECT_EQ(user_of("User:alice"), "alice");
}

TEST(SampledRate, SteadyAmountsReadAsTheirRateAndOldSamplesExpire) {
    const window_settings w{11, 1000};
    sampled_rate r;
    EXPECT_EQ(r.rate(0, w), 0.0);
    // 1,000 bytes every 100 ms for 20 s: 10,000 bytes per second.
    for (int64_t t = 0; t < 20000; t += 100) r.record(1000, t, w);
    EXPECT_NEAR(r.rate(20000, w), 10000.0, 1000.0);
    // A burst does not read as a huge rate: spread over at least 10 windows.
    sampled_rate burst;
    burst.record(50000, 100, w);
    EXPECT_DOUBLE_EQ(burst.rate(100, w), 5000.0);
    // Eleven windows later nothing is left.
    EXPECT_EQ(r.rate(20000 + 12000, w), 0.0);
}

TEST(QuotaBucket, ABurstOfOneWindowThenTheRate) {
    window_settings w;  // 11 samples of 1 s
    quota_bucket b;
    EXPECT_EQ(b.take(1000, 1000, 0, w), 0);      // the first window's worth fits
    EXPECT_EQ(b.take(500, 1000, 0, w), 500);     // half a second of debt
    EXPECT_EQ(b.take(0, 1000, 500, w), 0);       // repaid after it
    EXPECT_EQ(b.take(100, 1000, 500, w), 100);
    EXPECT_EQ(b.take(0, 1000, 100000, w), 0);    // refills to one window, no more
    EXPECT_EQ(b.take(1000, 1000, 100000, w), 0);
    EXPECT_EQ(b.take(1, 1000, 100000, w), 1);
    EXPECT_EQ(b.take(1e9, 1000, 100000, w), 11000);  // capped at the whole window
    quota_bucket zero;
    EXPECT_EQ(zero.take(1, 0, 0, w), 11000);
}

// A quota_manager over a local store holding `values` for client id "app".
class QuotaManagerTest : public ::testing::Test {
protected:
    void set(const quota_values& values) {
        quota_entity e;
        e.client_id = entity_name("app");
        replication::record_changes changes;
        changes[entity_key(e)] = values_to_json(values);
        store_->update_records(std::string(record_kind), changes, io_.get_executor(), [](replication::op_result) {});
        io_.run();
        io_.restart();
        manager_.reload();
    }

    sluice::testing::temp_dir dir_{"sluice-quotas"};
    boost::asio::io_context io_;
    std::unique_ptr<replication::local_metadata_store> store_ =
        replication::local_metadata_store::open(dir_.path() / "meta", std::nullopt);
    quota_manager manager_{*store_, io_.get_executor(), window_settings{}};
    const std::string who = "User:ANONYMOUS";
    const std::optional<std::string> app = "app";
};

TEST_F(QuotaManagerTest, StrictMutationQuotaRefusesOnlyOnceOver) {
    set({{std::string(controller_mutation_rate), 2.0}});
    mutation_quota strict(manager_, who, app, true);
    EXPECT_FALSE(strict.refuses_next(0));
    strict.record(2, 0);  // the burst
    EXPECT_FALSE(strict.refuses_next(0));  // at the quota, not over it
    strict.record(4, 0);  // done whole: 4 partitions of debt = 2 s
    EXPECT_EQ(strict.throttle_ms(), 0);  // going over alone is not throttled
    EXPECT_TRUE(strict.refuses_next(1000));
    EXPECT_EQ(strict.throttle_ms(), 1000);  // the refusal is
    EXPECT_FALSE(strict.refuses_next(2000));
    // Another client id has no quota.
    mutation_quota other(manager_, who, std::optional<std::string>("else"), true);
    other.record(1000, 2000);
    EXPECT_FALSE(other.refuses_next(2000));
    EXPECT_EQ(other.throttle_ms(), 0);
}

TEST_F(QuotaManagerTest, PermissiveMutationQuotaOnlyThrottles) {
    set({{std::string(controller_mutation_rate), 2.0}});
    mutation_quota permissive(manager_, who, app, false);
    permissive.record(6, 0);
    EXPECT_FALSE(permissive.refuses_next(0));
    EXPECT_EQ(permissive.throttle_ms(), 2000);
}

TEST_F(QuotaManagerTest, RequestPercentageIsAShareOfOneThread) {
    set({{std::string(request_percentage), 1.0}});  // 10 ms of handler time per second
    EXPECT_EQ(manager_.record_request_time(who, app, 10000.0, 0), 0);  // the window's worth
    EXPECT_EQ(manager_.record_request_time(who, app, 5000.0, 0), 500);  // 5 ms over: half a second
    EXPECT_EQ(manager_.record_request_time(who, std::optional<std::string>("else"), 1e6, 0), 0);
}

}  // namespace
}  // namespace sluice::broker::quotas

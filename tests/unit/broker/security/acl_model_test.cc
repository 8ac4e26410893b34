// Kafka's rules for new ACLs and for filters (DescribeAcls, DeleteAcls),
// and the stored record format.
#include <gtest/gtest.h>

#include "broker/security/acl.h"
#include "broker/security/acl_records.h"

namespace sluice::broker::security {
namespace {

acl_binding valid() {
    return {resource_type::topic, "orders", pattern_type::literal, "User:alice", "*", acl_operation::read,
            acl_permission::allow};
}

TEST(AclModel, ValidBindingPasses) {
    EXPECT_EQ(invalid_binding(valid()), std::nullopt);
    auto prefixed = valid();
    prefixed.pattern = pattern_type::prefixed;
    EXPECT_EQ(invalid_binding(prefixed), std::nullopt);
    auto cluster = valid();
    cluster.type = resource_type::cluster;
    cluster.name = "kafka-cluster";
    EXPECT_EQ(invalid_binding(cluster), std::nullopt);
}

TEST(AclModel, BadBindingsAreRefused) {
    auto with = [](auto change) {
        auto b = valid();
        change(b);
        return invalid_binding(b).has_value();
    };
    EXPECT_TRUE(with([](acl_binding& b) { b.type = resource_type::unknown; }));
    EXPECT_TRUE(with([](acl_binding& b) { b.type = resource_type::any; }));
    EXPECT_TRUE(with([](acl_binding& b) { b.pattern = pattern_type::unknown; }));
    EXPECT_TRUE(with([](acl_binding& b) { b.pattern = pattern_type::any; }));
    EXPECT_TRUE(with([](acl_binding& b) { b.pattern = pattern_type::match; }));
    EXPECT_TRUE(with([](acl_binding& b) { b.operation = acl_operation::unknown; }));
    EXPECT_TRUE(with([](acl_binding& b) { b.operation = acl_operation::any; }));
    EXPECT_TRUE(with([](acl_binding& b) { b.permission = acl_permission::unknown; }));
    EXPECT_TRUE(with([](acl_binding& b) { b.permission = acl_permission::any; }));
    EXPECT_TRUE(with([](acl_binding& b) { b.name = ""; }));
    EXPECT_TRUE(with([](acl_binding& b) { b.principal = ""; }));
    EXPECT_TRUE(with([](acl_binding& b) { b.principal = "alice"; }));
    EXPECT_TRUE(with([](acl_binding& b) {
        b.type = resource_type::cluster;
        b.name = "my-cluster";
    }));
}

TEST(AclModel, WireCodesOutOfRangeReadAsUnknown) {
    EXPECT_EQ(resource_type_of(99), resource_type::unknown);
    EXPECT_EQ(resource_type_of(-1), resource_type::unknown);
    EXPECT_EQ(resource_type_of(2), resource_type::topic);
    EXPECT_EQ(pattern_type_of(5), pattern_type::unknown);
    EXPECT_EQ(operation_of(15), acl_operation::unknown);
    EXPECT_EQ(operation_of(14), acl_operation::describe_tokens);
    EXPECT_EQ(permission_of(4), acl_permission::unknown);
}

TEST(AclModel, FiltersMatchAsKafka) {
    auto literal = valid();
    auto wildcard = valid();
    wildcard.name = "*";
    auto prefixed = valid();
    prefixed.name = "ord";
    prefixed.pattern = pattern_type::prefixed;
    auto group = valid();
    group.type = resource_type::group;

    acl_filter any;
    for (const auto& b : {literal, wildcard, prefixed, group})
        EXPECT_TRUE(matches(any, b));

    acl_filter exact{resource_type::topic, "orders", pattern_type::literal};
    EXPECT_TRUE(matches(exact, literal));
    EXPECT_FALSE(matches(exact, wildcard));
    EXPECT_FALSE(matches(exact, prefixed));
    EXPECT_FALSE(matches(exact, group));

    // ANY pattern type: names compared exactly, whatever the pattern.
    acl_filter any_pattern{resource_type::topic, "ord", pattern_type::any};
    EXPECT_TRUE(matches(any_pattern, prefixed));
    EXPECT_FALSE(matches(any_pattern, literal));

    // MATCH: every pattern that applies to the name.
    acl_filter match{resource_type::topic, "orders", pattern_type::match};
    EXPECT_TRUE(matches(match, literal));
    EXPECT_TRUE(matches(match, wildcard));
    EXPECT_TRUE(matches(match, prefixed));
    EXPECT_FALSE(matches(match, group));
    acl_filter match_other{resource_type::any, "payments", pattern_type::match};
    EXPECT_TRUE(matches(match_other, wildcard));
    EXPECT_FALSE(matches(match_other, literal));
    EXPECT_FALSE(matches(match_other, prefixed));

    acl_filter by_entry;
    by_entry.principal = "User:bob";
    EXPECT_FALSE(matches(by_entry, literal));
    by_entry.principal = "User:alice";
    by_entry.host = "*";
    by_entry.operation = acl_operation::read;
    by_entry.permission = acl_permission::allow;
    EXPECT_TRUE(matches(by_entry, literal));
    by_entry.permission = acl_permission::deny;
    EXPECT_FALSE(matches(by_entry, literal));
}

TEST(AclModel, UnknownInAFilterIsRefused) {
    EXPECT_EQ(invalid_filter(acl_filter{}), std::nullopt);
    acl_filter f;
    f.type = resource_type::unknown;
    EXPECT_TRUE(invalid_filter(f).has_value());
    f = {};
    f.operation = acl_operation::unknown;
    EXPECT_TRUE(invalid_filter(f).has_value());
}

TEST(AclModel, SupportedOperationsAreKafkas) {
    auto bit = [](acl_operation o) { return 1 << static_cast<int>(o); };
    EXPECT_EQ(supported_operations(resource_type::group),
              bit(acl_operation::read) | bit(acl_operation::describe) | bit(acl_operation::remove));
    EXPECT_EQ(supported_operations(resource_type::transactional_id),
              bit(acl_operation::describe) | bit(acl_operation::write));
    EXPECT_EQ(supported_operations(resource_type::topic) & bit(acl_operation::cluster_action), 0);
}

TEST(AclRecords, RoundTripAndDistinctKeys) {
    auto b = valid();
    auto parsed = parse_record(record_value(b));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, b);
    auto other = b;
    other.permission = acl_permission::deny;
    EXPECT_NE(record_key(b), record_key(other));
    auto tricky = b;
    tricky.name = "a\",\"b";
    EXPECT_NE(record_key(tricky), record_key(b));
    EXPECT_EQ(parse_record(record_value(tricky)), tricky);
}

TEST(AclRecords, UnreadableValuesAreSkipped) {
    EXPECT_EQ(parse_record("not json"), std::nullopt);
    EXPECT_EQ(parse_record("{}"), std::nullopt);
    EXPECT_EQ(parse_record(R"({"resourceType":"TOPIC","name":"t","patternType":"LITERAL","principal":"User:a",
                               "host":"*","operation":"FLY","permissionType":"ALLOW"})"),
              std::nullopt);
}

}  // namespace
}  // namespace sluice::broker::security

// The authorizer's decisions, as Kafka's StandardAuthorizer makes them: a
// principal with and without the ACL for every resource type and
// operation, literal/wildcard/prefixed patterns, deny over allow, hosts,
// implied operations, super users and the no-ACL default.
#include "broker/security/acl_index.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "broker/security/acl.h"

namespace sluice::broker::security {
namespace {

using op = acl_operation;
using rt = resource_type;

acl_binding allow(rt type, std::string name, std::string principal, op operation,
                  pattern_type pattern = pattern_type::literal, std::string host = "*") {
    return {type, std::move(name), pattern, std::move(principal), std::move(host), operation, acl_permission::allow};
}

acl_binding deny(rt type, std::string name, std::string principal, op operation,
                 pattern_type pattern = pattern_type::literal, std::string host = "*") {
    auto b = allow(type, std::move(name), std::move(principal), operation, pattern, std::move(host));
    b.permission = acl_permission::deny;
    return b;
}

const requester alice{"User:alice", "10.0.0.1"};
const requester bob{"User:bob", "10.0.0.2"};

bool allowed(const acl_index& index, const requester& who, op o, rt type, std::string_view name) {
    return index.decide(who, o, type, name) == acl_index::verdict::allowed;
}

std::string name_for(rt type) { return type == rt::cluster ? std::string(cluster_name) : "thing"; }

const std::vector<rt> all_types{rt::topic, rt::group, rt::cluster, rt::transactional_id, rt::delegation_token,
                                rt::user};

std::vector<op> concrete_operations() {
    std::vector<op> out;
    for (int code = static_cast<int>(op::read); code < acl_operation_count; ++code)
        out.push_back(static_cast<op>(code));
    return out;
}

// Whether an ALLOW for `granted` should grant `wanted` (Kafka's implication table).
bool kafka_implies(op granted, op wanted) {
    if (granted == wanted) return true;
    if (wanted == op::describe) {
        return granted == op::read || granted == op::write || granted == op::remove || granted == op::alter;
    }
    return wanted == op::describe_configs && granted == op::alter_configs;
}

TEST(AclIndex, EveryTypeAndOperationWithAndWithoutTheAcl) {
    for (rt type : all_types) {
        for (op granted : concrete_operations()) {
            acl_index index({allow(type, name_for(type), "User:alice", granted)});
            for (op wanted : concrete_operations()) {
                SCOPED_TRACE(std::string(name_of(type)) + " granted " + std::string(name_of(granted)) + " wanted " +
                             std::string(name_of(wanted)));
                EXPECT_EQ(allowed(index, alice, wanted, type, name_for(type)), kafka_implies(granted, wanted));
                // Another principal, the same resource: ACLs exist, none for bob.
                EXPECT_EQ(index.decide(bob, wanted, type, name_for(type)), acl_index::verdict::denied);
                // Another resource of the type: no ACL applies at all.
                EXPECT_EQ(index.decide(alice, wanted, type, "other"), acl_index::verdict::no_acls);
            }
            // The same name under another type is another resource.
            rt other = type == rt::topic ? rt::group : rt::topic;
            EXPECT_EQ(index.decide(alice, granted, other, name_for(type)), acl_index::verdict::no_acls);
        }
    }
}

TEST(AclIndex, AllGrantsEveryOperation) {
    acl_index index({allow(rt::topic, "t", "User:alice", op::all)});
    for (op o : concrete_operations())
        EXPECT_TRUE(allowed(index, alice, o, rt::topic, "t")) << name_of(o);
}

TEST(AclIndex, DenyOfAnImpliedOperationOnlyDeniesItself) {
    // DENY READ does not deny DESCRIBE that an ALLOW WRITE implies.
    acl_index index({allow(rt::topic, "t", "User:alice", op::write), deny(rt::topic, "t", "User:alice", op::read)});
    EXPECT_TRUE(allowed(index, alice, op::describe, rt::topic, "t"));
    EXPECT_FALSE(allowed(index, alice, op::read, rt::topic, "t"));
    EXPECT_TRUE(allowed(index, alice, op::write, rt::topic, "t"));
}

TEST(AclIndex, DenyAllBeatsEveryAllow) {
    acl_index index({allow(rt::topic, "t", "User:alice", op::all), deny(rt::topic, "t", "User:alice", op::all)});
    for (op o : concrete_operations())
        EXPECT_FALSE(allowed(index, alice, o, rt::topic, "t")) << name_of(o);
}

TEST(AclIndex, DenyBeatsAllowAcrossPatterns) {
    acl_index index({allow(rt::topic, "orders", "User:alice", op::read),
                     deny(rt::topic, "ord", "User:alice", op::read, pattern_type::prefixed),
                     allow(rt::topic, "payments", "User:alice", op::read),
                     deny(rt::topic, "*", "User:*", op::read, pattern_type::literal, "10.0.0.9")});
    EXPECT_FALSE(allowed(index, alice, op::read, rt::topic, "orders"));
    EXPECT_TRUE(allowed(index, alice, op::read, rt::topic, "payments"));
    // The wildcard deny applies from its host only.
    EXPECT_FALSE(allowed(index, {"User:alice", "10.0.0.9"}, op::read, rt::topic, "payments"));
}

TEST(AclIndex, WildcardNameAndPrincipal) {
    acl_index index({allow(rt::topic, "*", "User:alice", op::read), allow(rt::group, "g", "User:*", op::read)});
    EXPECT_TRUE(allowed(index, alice, op::read, rt::topic, "anything"));
    EXPECT_FALSE(allowed(index, bob, op::read, rt::topic, "anything"));
    EXPECT_TRUE(allowed(index, bob, op::read, rt::group, "g"));
    EXPECT_TRUE(allowed(index, {"User:ANONYMOUS", ""}, op::read, rt::group, "g"));
    // "User:*" is the wildcard; a principal literally named so elsewhere is not.
    EXPECT_FALSE(allowed(index, {"Group:*", ""}, op::read, rt::topic, "anything"));
}

TEST(AclIndex, PrefixedPatternsMatchOnlyTheirPrefixes) {
    acl_index index({allow(rt::topic, "app-", "User:alice", op::write, pattern_type::prefixed),
                     allow(rt::topic, "app-internal-", "User:bob", op::write, pattern_type::prefixed),
                     allow(rt::topic, "x", "User:bob", op::write, pattern_type::prefixed)});
    EXPECT_TRUE(allowed(index, alice, op::write, rt::topic, "app-"));
    EXPECT_TRUE(allowed(index, alice, op::write, rt::topic, "app-orders"));
    EXPECT_TRUE(allowed(index, alice, op::write, rt::topic, "app-internal-x"));
    EXPECT_FALSE(allowed(index, alice, op::write, rt::topic, "ap"));
    EXPECT_FALSE(allowed(index, alice, op::write, rt::topic, "other-app-orders"));
    EXPECT_EQ(index.decide(alice, op::write, rt::topic, "ap"), acl_index::verdict::no_acls);
    EXPECT_TRUE(allowed(index, bob, op::write, rt::topic, "app-internal-y"));
    EXPECT_FALSE(allowed(index, bob, op::write, rt::topic, "app-public"));
    EXPECT_TRUE(allowed(index, bob, op::write, rt::topic, "xyz"));
    // A literal pattern is not a prefix.
    acl_index literal({allow(rt::topic, "app", "User:alice", op::write)});
    EXPECT_FALSE(allowed(literal, alice, op::write, rt::topic, "app-orders"));
}

TEST(AclIndex, HostsMatchExactlyOrByWildcard) {
    acl_index index({allow(rt::topic, "t", "User:alice", op::read, pattern_type::literal, "10.0.0.1")});
    EXPECT_TRUE(allowed(index, alice, op::read, rt::topic, "t"));
    EXPECT_FALSE(allowed(index, {"User:alice", "10.0.0.11"}, op::read, rt::topic, "t"));
    EXPECT_FALSE(allowed(index, {"User:alice", ""}, op::read, rt::topic, "t"));
}

TEST(AclIndex, AllowsAnyTopicWriteUnlessDeniedWider) {
    acl_index none;
    EXPECT_FALSE(none.allows_any(alice, op::write, rt::topic));
    acl_index some({allow(rt::topic, "t", "User:alice", op::write)});
    EXPECT_TRUE(some.allows_any(alice, op::write, rt::topic));
    EXPECT_FALSE(some.allows_any(bob, op::write, rt::topic));
    EXPECT_FALSE(some.allows_any(alice, op::write, rt::group));
    acl_index denied_literal(
        {allow(rt::topic, "t", "User:alice", op::write), deny(rt::topic, "t", "User:alice", op::write)});
    EXPECT_FALSE(denied_literal.allows_any(alice, op::write, rt::topic));
    acl_index denied_prefix({allow(rt::topic, "app-x", "User:alice", op::write),
                             deny(rt::topic, "app-", "User:alice", op::write, pattern_type::prefixed)});
    EXPECT_FALSE(denied_prefix.allows_any(alice, op::write, rt::topic));
    acl_index denied_everywhere(
        {allow(rt::topic, "t", "User:alice", op::write), deny(rt::topic, "*", "User:*", op::all)});
    EXPECT_FALSE(denied_everywhere.allows_any(alice, op::write, rt::topic));
}

TEST(AclIndex, TenThousandAclsStillFindTheirOwn) {
    std::vector<acl_binding> bindings;
    for (int i = 0; i < 10000; ++i) {
        bindings.push_back(allow(rt::topic, "topic-" + std::to_string(i), "User:u" + std::to_string(i % 50), op::read,
                                 i % 2 == 0 ? pattern_type::literal : pattern_type::prefixed));
    }
    acl_index index(std::move(bindings));
    EXPECT_TRUE(allowed(index, {"User:u7", ""}, op::read, rt::topic, "topic-7"));         // prefixed
    EXPECT_TRUE(allowed(index, {"User:u7", ""}, op::read, rt::topic, "topic-7-suffix"));  // prefixed
    EXPECT_TRUE(allowed(index, {"User:u8", ""}, op::read, rt::topic, "topic-8"));         // literal
    EXPECT_FALSE(allowed(index, {"User:u8", ""}, op::read, rt::topic, "topic-8-suffix"));
    EXPECT_FALSE(allowed(index, {"User:u9", ""}, op::read, rt::topic, "topic-8"));
}

}  // namespace
}  // namespace sluice::broker::security

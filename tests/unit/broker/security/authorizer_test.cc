// The authorizer over a real local metadata store: super users, the no-ACL
// default, ACLs stored in batches, persisted, and seen by another authorizer
// on the same store through its watch (as another broker would).
#include "broker/security/authorizer.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <string>
#include <vector>

#include "broker/security/acl_records.h"
#include "replication/local_metadata_store.h"
#include "unit/temp_dir.h"

namespace sluice::broker::security {
namespace {

using op = acl_operation;
using rt = resource_type;

acl_binding allow_read(std::string topic, std::string principal) {
    return {rt::topic, std::move(topic), pattern_type::literal, std::move(principal),
            "*",       op::read,         acl_permission::allow};
}

const requester alice{"User:alice", "127.0.0.1"};
const requester admin{"User:admin", "127.0.0.1"};

class AuthorizerTest : public ::testing::Test {
protected:
    // Runs what the store posted (watch notifications); the context stops
    // each time it runs out of work.
    void poll() {
        io_.restart();
        io_.poll();
    }

    std::unique_ptr<replication::local_metadata_store> open_store() {
        return replication::local_metadata_store::open(dir_.path() / "meta", std::string("test-cluster"));
    }

    std::vector<replication::op_result> create(authorizer& a, std::vector<acl_binding> bindings) {
        std::vector<replication::op_result> out;
        bool done = false;
        a.create(std::move(bindings), [&](std::vector<replication::op_result> r) {
            out = std::move(r);
            done = true;
        });
        poll();
        EXPECT_TRUE(done);
        return out;
    }

    std::vector<replication::op_result> remove(authorizer& a, std::vector<acl_binding> bindings) {
        std::vector<replication::op_result> out;
        bool done = false;
        a.remove(std::move(bindings), [&](std::vector<replication::op_result> r) {
            out = std::move(r);
            done = true;
        });
        poll();
        EXPECT_TRUE(done);
        return out;
    }

    sluice::testing::temp_dir dir_{"sluice-authorizer"};
    boost::asio::io_context io_;
};

TEST_F(AuthorizerTest, SuperUsersMayDoAnything) {
    auto store = open_store();
    authorizer a({true, {"User:admin"}, false}, *store, io_.get_executor());
    create(a, {{rt::topic, "t", pattern_type::literal, "User:admin", "*", op::all, acl_permission::deny}});
    EXPECT_TRUE(a.authorize(admin, op::write, rt::topic, "t"));
    EXPECT_TRUE(a.authorize(admin, op::cluster_action, rt::cluster, cluster_name));
    EXPECT_FALSE(a.authorize(alice, op::write, rt::topic, "t"));
    EXPECT_FALSE(a.authorize(alice, op::write, rt::topic, "no-acls"));
}

TEST_F(AuthorizerTest, AllowEveryoneIfNoAclFound) {
    auto store = open_store();
    authorizer a({true, {}, true}, *store, io_.get_executor());
    EXPECT_TRUE(a.authorize(alice, op::write, rt::topic, "free"));
    create(a, {allow_read("guarded", "User:bob")});
    // An ACL exists on "guarded" (for someone else): no default any more.
    EXPECT_FALSE(a.authorize(alice, op::read, rt::topic, "guarded"));
    EXPECT_TRUE(a.authorize(alice, op::read, rt::topic, "free"));
}

TEST_F(AuthorizerTest, CreatesInBatchesAndPersists) {
    std::vector<acl_binding> many;
    for (int i = 0; i < 250; ++i)
        many.push_back(allow_read("t" + std::to_string(i), "User:alice"));
    {
        auto store = open_store();
        authorizer a({true, {}, false}, *store, io_.get_executor());
        auto results = create(a, many);
        ASSERT_EQ(results.size(), 250u);
        for (const auto& r : results)
            EXPECT_TRUE(r.ok()) << r.message;
        EXPECT_EQ(a.index().size(), 250u);
        EXPECT_TRUE(a.authorize(alice, op::read, rt::topic, "t249"));
        // The same binding again is the same record.
        create(a, {many.front()});
        EXPECT_EQ(a.index().size(), 250u);
    }
    auto reopened = open_store();
    EXPECT_EQ(reopened->records(acl_record_kind).size(), 250u);
    authorizer again({true, {}, false}, *reopened, io_.get_executor());
    EXPECT_TRUE(again.authorize(alice, op::read, rt::topic, "t0"));
    EXPECT_FALSE(again.authorize(alice, op::write, rt::topic, "t0"));
    auto removed = remove(again, std::vector<acl_binding>(many.begin(), many.begin() + 120));
    ASSERT_EQ(removed.size(), 120u);
    EXPECT_EQ(again.index().size(), 130u);
    EXPECT_FALSE(again.authorize(alice, op::read, rt::topic, "t0"));
    EXPECT_TRUE(again.authorize(alice, op::read, rt::topic, "t120"));
}

TEST_F(AuthorizerTest, AnotherAuthorizerOnTheStoreSeesChanges) {
    auto store = open_store();
    authorizer here({true, {}, false}, *store, io_.get_executor());
    authorizer there({true, {}, false}, *store, io_.get_executor());
    create(here, {allow_read("t", "User:alice")});
    poll();
    EXPECT_TRUE(there.authorize(alice, op::read, rt::topic, "t"));
    remove(here, {allow_read("t", "User:alice")});
    poll();
    EXPECT_FALSE(there.authorize(alice, op::read, rt::topic, "t"));
}

TEST_F(AuthorizerTest, AuthorizeAnyAndOperations) {
    auto store = open_store();
    authorizer a({true, {}, false}, *store, io_.get_executor());
    EXPECT_FALSE(a.authorize_any(alice, op::write, rt::topic));
    create(a, {{rt::topic, "t", pattern_type::literal, "User:alice", "*", op::write, acl_permission::allow}});
    EXPECT_TRUE(a.authorize_any(alice, op::write, rt::topic));
    auto bit = [](op o) { return 1 << static_cast<int>(o); };
    EXPECT_EQ(a.authorized_operations(alice, rt::topic, "t"), bit(op::write) | bit(op::describe));
    EXPECT_EQ(a.authorized_operations(alice, rt::topic, "other"), 0);
    authorizer open_all({true, {}, true}, *store, io_.get_executor());
    EXPECT_TRUE(open_all.authorize_any(alice, op::write, rt::group));
}

}  // namespace
}  // namespace sluice::broker::security

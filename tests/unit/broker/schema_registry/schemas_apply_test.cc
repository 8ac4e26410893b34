// `_schemas` batches applied to a registry state (schemas_apply.h) from
// either reader, and which reader keeps the state (remote_reader.h).
#include "broker/schema_registry/schemas_apply.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "broker/schema_registry/remote_reader.h"
#include "protocol/record_batch.h"

namespace sluice::broker::schema_registry {
namespace {

std::string config_key(const std::string& subject) {
    return R"({"keytype":"CONFIG","subject":")" + subject + R"(","magic":0})";
}

protocol::record config(int64_t offset, const std::string& subject, const std::string& level) {
    protocol::record r;
    r.offset = offset;
    const std::string k = config_key(subject);
    const std::string v = R"({"compatibilityLevel":")" + level + R"("})";
    r.key = protocol::bytes(k.begin(), k.end());
    r.value = protocol::bytes(v.begin(), v.end());
    return r;
}

protocol::bytes batch(std::vector<protocol::record> records, bool control = false) {
    protocol::batch_builder_options o;
    o.base_offset = records.front().offset;
    o.control = control;
    return protocol::build_batch(records, o);
}

protocol::bytes concat(const protocol::bytes& a, const protocol::bytes& b) {
    protocol::bytes out = a;
    out.insert(out.end(), b.begin(), b.end());
    return out;
}

TEST(SchemasApply, AppliesOnlyFromTheNextOffsetUpToTheEnd) {
    registry_state state;
    const auto b = batch({config(0, "a", "FULL"), config(1, "b", "FULL"), config(2, "c", "FULL")});
    int64_t next = 1;
    // The end (a high watermark) cuts the batch: read again from there.
    EXPECT_TRUE(apply_schemas_batches(state, b, 2, next));
    EXPECT_EQ(next, 2);
    EXPECT_EQ(state.subject_compatibility("a"), std::nullopt);
    EXPECT_EQ(state.subject_compatibility("b"), "FULL");
    EXPECT_EQ(state.subject_compatibility("c"), std::nullopt);
    EXPECT_TRUE(apply_schemas_batches(state, b, 3, next));
    EXPECT_EQ(next, 3);
    EXPECT_EQ(state.subject_compatibility("c"), "FULL");
    EXPECT_FALSE(apply_schemas_batches(state, b, 3, next));
}

TEST(SchemasApply, RecordsAlreadyAppliedAreNotAppliedAgain) {
    // What a switch between the readers hands over: the other reader's
    // batches start before the offset the first one reached.
    registry_state state;
    const auto first = batch({config(0, "a", "FULL")});
    const auto both = concat(first, batch({config(1, "a", "NONE")}));
    int64_t next = 0;
    EXPECT_TRUE(apply_schemas_batches(state, both, 2, next));
    EXPECT_EQ(state.subject_compatibility("a"), "NONE");
    EXPECT_FALSE(apply_schemas_batches(state, first, 2, next));
    EXPECT_EQ(state.subject_compatibility("a"), "NONE");
    EXPECT_EQ(next, 2);
}

TEST(SchemasApply, APartialBatchWaitsForTheRest) {
    registry_state state;
    const auto whole = concat(batch({config(0, "a", "FULL")}), batch({config(1, "b", "FULL")}));
    int64_t next = 0;
    const protocol::bytes cut(whole.begin(), whole.end() - 3);
    EXPECT_TRUE(apply_schemas_batches(state, cut, 10, next));
    EXPECT_EQ(next, 1);
    EXPECT_EQ(state.subject_compatibility("b"), std::nullopt);
    const protocol::bytes only_part(whole.begin() + static_cast<std::ptrdiff_t>(batch({config(0, "a", "FULL")}).size()),
                                    whole.end() - 3);
    EXPECT_FALSE(apply_schemas_batches(state, only_part, 10, next));
    EXPECT_EQ(next, 1);
}

TEST(SchemasApply, ControlBatchesAndMalformedRecordsArePassedOver) {
    registry_state state;
    protocol::record marker;
    marker.offset = 0;
    marker.key = protocol::bytes{0, 0, 0, 1};
    marker.value = protocol::bytes{0, 0, 0, 0, 0, 0};
    protocol::record junk = config(1, "x", "FULL");
    junk.key = protocol::bytes{'{'};
    const auto b = concat(batch({marker}, true), batch({junk, config(2, "a", "FULL")}));
    int64_t next = 0;
    EXPECT_TRUE(apply_schemas_batches(state, b, 3, next));
    EXPECT_EQ(next, 3);
    EXPECT_EQ(state.subject_compatibility("a"), "FULL");
    EXPECT_EQ(state.subject_compatibility("x"), std::nullopt);
}

TEST(RemoteReader, ReadsRemotelyOnlyWhenNoReplicaAndAnotherBrokerLeads) {
    const protocol::node_id self(3), other(1);
    EXPECT_EQ(source_of(false, false, other, self), schemas_source::none);
    EXPECT_EQ(source_of(true, true, other, self), schemas_source::local);
    EXPECT_EQ(source_of(true, true, std::nullopt, self), schemas_source::local);
    EXPECT_EQ(source_of(true, false, other, self), schemas_source::remote);
    EXPECT_EQ(source_of(true, false, std::nullopt, self), schemas_source::none);
    EXPECT_EQ(source_of(true, false, protocol::node_id(-1), self), schemas_source::none);
    EXPECT_EQ(source_of(true, false, self, self), schemas_source::none);
}

}  // namespace
}  // namespace sluice::broker::schema_registry

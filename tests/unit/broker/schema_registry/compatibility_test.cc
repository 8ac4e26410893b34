// The levels: which earlier versions a new schema is checked against and in
// which direction (Confluent's definitions of BACKWARD, FORWARD, FULL and
// their transitive forms), and what each format accepts.
#include "broker/schema_registry/compatibility.h"

#include <gtest/gtest.h>

namespace sluice::broker::schema_registry {
namespace {

candidate avro(std::string_view text) {
    auto r = prepare("AVRO", text, {}, false);
    if (auto* e = std::get_if<std::string>(&r)) ADD_FAILURE() << *e;
    return std::get<candidate>(std::move(r));
}

// v1: {a:int}; v2 adds b with a default; v3 drops a's... see each case.
const char* v_a = R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"}]})";
const char* v_ab_default =
    R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"int","default":0}]})";
const char* v_ab = R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"int"}]})";
const char* v_b_default = R"({"type":"record","name":"R","fields":[{"name":"b","type":"int","default":0}]})";

bool ok(level l, std::vector<const char*> history, const char* proposed) {
    std::vector<candidate> previous;
    for (auto* h : history)
        previous.push_back(avro(h));
    return check(l, avro(proposed), previous).empty();
}

TEST(Compatibility, LevelNames) {
    EXPECT_EQ(parse_level("backward_transitive"), level::backward_transitive);
    EXPECT_EQ(parse_level("FULL"), level::full);
    EXPECT_FALSE(parse_level("SIDEWAYS"));
    EXPECT_EQ(level_name(level::forward_transitive), "FORWARD_TRANSITIVE");
    EXPECT_EQ(default_level, level::backward);
}

TEST(Compatibility, NoneAcceptsAnything) { EXPECT_TRUE(ok(level::none, {v_a}, R"("string")")); }

TEST(Compatibility, FirstVersionAlwaysAccepted) { EXPECT_TRUE(ok(level::full_transitive, {}, v_a)); }

TEST(Compatibility, BackwardNewReadsOld) {
    EXPECT_TRUE(ok(level::backward, {v_a}, v_ab_default));  // added with default
    EXPECT_FALSE(ok(level::backward, {v_a}, v_ab));         // added without default
    EXPECT_TRUE(ok(level::backward, {v_ab}, v_a));          // removed
}

TEST(Compatibility, ForwardOldReadsNew) {
    EXPECT_TRUE(ok(level::forward, {v_a}, v_ab));   // old ignores the new field
    EXPECT_FALSE(ok(level::forward, {v_ab}, v_a));  // old needs b, which has no default
}

TEST(Compatibility, FullIsBoth) {
    EXPECT_TRUE(ok(level::full, {v_a}, v_ab_default));
    EXPECT_FALSE(ok(level::full, {v_a}, v_ab));
    EXPECT_FALSE(ok(level::full, {v_ab}, v_a));
}

TEST(Compatibility, NonTransitiveChecksOnlyTheLatest) {
    // b_default reads ab_default, not a (a missing, no default): only the
    // transitive level sees the first version.
    EXPECT_TRUE(ok(level::backward, {v_ab, v_ab_default}, v_b_default));
    EXPECT_TRUE(ok(level::backward_transitive, {v_ab_default}, v_b_default));
    const char* v_a_only = R"({"type":"record","name":"R","fields":[{"name":"a","type":"string"}]})";
    EXPECT_TRUE(ok(level::backward, {v_a_only, v_ab_default}, v_b_default));
    EXPECT_FALSE(ok(level::backward_transitive, {R"("string")", v_ab_default}, v_b_default));
    EXPECT_FALSE(ok(level::forward_transitive, {R"("string")", v_ab_default}, v_ab_default));
    EXPECT_TRUE(ok(level::forward, {R"("string")", v_ab_default}, v_ab_default));
    EXPECT_FALSE(ok(level::full_transitive, {R"("string")", v_ab_default}, v_ab_default));
}

TEST(Compatibility, CompactTextAndNormalize) {
    auto spaced = prepare("AVRO", R"({ "type" : "record", "name":"R", "fields" : [] })", {}, false);
    EXPECT_EQ(std::get<candidate>(spaced).text, R"({"type":"record","name":"R","fields":[]})");
    auto normalized = prepare("AVRO", R"({"type":"record","name":"R","fields":[]})", {}, true);
    EXPECT_EQ(std::get<candidate>(normalized).text, R"({"fields":[],"name":"R","type":"record"})");
}

TEST(Compatibility, JsonIsCheckedInBothDirections) {
    EXPECT_TRUE(std::holds_alternative<std::string>(prepare("JSON", "[1]", {}, false)));
    EXPECT_TRUE(std::holds_alternative<std::string>(prepare("JSON", "{", {}, false)));
    auto integer = std::get<candidate>(prepare("JSON", R"({"type":"integer"})", {}, false));
    auto number = std::get<candidate>(prepare("JSON", R"({"type":"number"})", {}, false));
    EXPECT_TRUE(check(level::backward, number, {integer}).empty());  // new reads old
    EXPECT_FALSE(check(level::forward, number, {integer}).empty());  // old cannot read new
    EXPECT_FALSE(check(level::full, number, {integer}).empty());
    EXPECT_TRUE(check(level::forward, integer, {number}).empty());
    EXPECT_FALSE(check(level::backward, avro(v_a), {integer}).empty());  // a type change
}

TEST(Compatibility, ProtobufIsParsedAndChecked) {
    EXPECT_TRUE(std::holds_alternative<std::string>(prepare("PROTOBUF", "  ", {}, false)));
    EXPECT_TRUE(std::holds_alternative<std::string>(prepare("PROTOBUF", "message A { int32 a = 1 }", {}, false)));
    auto p1 = std::get<candidate>(prepare("PROTOBUF", "syntax = \"proto3\"; message A { int32 a = 1; }", {}, false));
    auto p2 = std::get<candidate>(prepare("PROTOBUF", "syntax = \"proto3\"; message A { int64 a = 1; }", {}, false));
    auto p3 = std::get<candidate>(prepare("PROTOBUF", "syntax = \"proto3\"; message A { sint64 a = 1; }", {}, false));
    EXPECT_TRUE(check(level::full, p2, {p1}).empty());  // int32 and int64 share the varint encoding
    EXPECT_FALSE(check(level::backward, p3, {p2}).empty());  // zigzag is another encoding
    EXPECT_TRUE(check(level::none, p3, {p2}).empty());
}

}  // namespace
}  // namespace sluice::broker::schema_registry

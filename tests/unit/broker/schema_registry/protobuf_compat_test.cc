// Protobuf schemas: parsing (what is refused), imports through references,
// and a compatibility matrix whose verdicts come from the protobuf language
// guide's rules for updating a message type (which scalar types may replace
// each other on the wire) and from Confluent's list of breaking changes
// (messages removed, required fields, oneof moves, package), not from this
// implementation's output.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "broker/schema_registry/compatibility.h"

namespace sluice::broker::schema_registry {
namespace {

candidate proto(const std::string& text, const std::vector<std::string>& refs = {},
                const std::vector<std::string>& names = {}) {
    auto p = prepare("PROTOBUF", text, refs, false, names);
    if (auto* e = std::get_if<std::string>(&p)) {
        ADD_FAILURE() << *e << "\n" << text;
        return {};
    }
    return std::get<candidate>(std::move(p));
}

std::string invalid(const std::string& text, const std::vector<std::string>& refs = {},
                    const std::vector<std::string>& names = {}) {
    auto p = prepare("PROTOBUF", text, refs, false, names);
    if (auto* e = std::get_if<std::string>(&p)) return *e;
    return "";
}

bool compatible(level l, const candidate& proposed, const std::vector<candidate>& previous) {
    return check(l, proposed, previous).empty();
}

// The scalar types and the groups whose members the language guide lets
// replace one another: "int32, uint32, int64, uint64, and bool are all
// compatible"; "sint32 and sint64 are compatible with each other but are not
// compatible with the other integer types"; "string and bytes are
// compatible"; "fixed32 is compatible with sfixed32, and fixed64 with
// sfixed64"; "enum is compatible with int32, uint32, int64, and uint64".
// float and double have different wire types (I32, I64): no group.
struct scalar {
    const char* name;
    int group;
};
constexpr std::array<scalar, 16> scalars{{
    {"int32", 0},
    {"uint32", 0},
    {"int64", 0},
    {"uint64", 0},
    {"bool", 0},
    {"E", 0},
    {"sint32", 1},
    {"sint64", 1},
    {"string", 2},
    {"bytes", 2},
    {"fixed32", 3},
    {"sfixed32", 3},
    {"fixed64", 4},
    {"sfixed64", 4},
    {"float", 5},
    {"double", 6},
}};

std::string with_field(std::string_view type) {
    return "syntax = \"proto3\";\nenum E { E0 = 0; E1 = 1; }\nmessage M { " + std::string(type) + " f = 1; }\n";
}

TEST(ProtobufCompat, ScalarMatrixFollowsTheWireRules) {
    for (const auto& a : scalars) {
        const candidate old = proto(with_field(a.name));
        for (const auto& b : scalars) {
            const candidate next = proto(with_field(b.name));
            const bool expected = a.group == b.group;
            EXPECT_EQ(compatible(level::full, next, {old}), expected) << a.name << " -> " << b.name;
            EXPECT_EQ(compatible(level::backward, next, {old}), expected) << a.name << " -> " << b.name;
            EXPECT_TRUE(compatible(level::none, next, {old}));
        }
    }
}

TEST(ProtobufCompat, KindChangesBreak) {
    const std::string head = "syntax = \"proto3\"; message Inner { int32 x = 1; }\n";
    const candidate scalar_field = proto(head + "message M { int32 f = 1; }");
    const candidate message_field = proto(head + "message M { Inner f = 1; }");
    const candidate map_field = proto(head + "message M { map<string, int32> f = 1; }");
    EXPECT_FALSE(compatible(level::backward, message_field, {scalar_field}));
    EXPECT_FALSE(compatible(level::backward, map_field, {message_field}));
    EXPECT_FALSE(compatible(level::forward, scalar_field, {map_field}));
    // Map values follow the scalar rules.
    const candidate map64 = proto(head + "message M { map<string, int64> f = 1; }");
    const candidate map_string = proto(head + "message M { map<string, string> f = 1; }");
    EXPECT_TRUE(compatible(level::full, map64, {map_field}));
    EXPECT_FALSE(compatible(level::backward, map_string, {map_field}));
}

TEST(ProtobufCompat, MessageTypesAreComparedByNameAndContent) {
    const candidate v1 = proto("syntax = \"proto3\"; message Inner { int32 x = 1; } message M { Inner f = 1; }");
    // The inner type changes incompatibly: the field that carries it breaks too.
    const candidate v2 = proto("syntax = \"proto3\"; message Inner { string x = 1; } message M { Inner f = 1; }");
    EXPECT_FALSE(compatible(level::backward, v2, {v1}));
    // A field of another named type.
    const candidate v3 = proto(
        "syntax = \"proto3\"; message Inner { int32 x = 1; } message Other { int32 x = 1; } "
        "message M { Other f = 1; }");
    EXPECT_FALSE(compatible(level::backward, v3, {v1}));
    // Recursive types terminate.
    const candidate r1 = proto("syntax = \"proto3\"; message Node { int32 v = 1; Node next = 2; }");
    const candidate r2 = proto("syntax = \"proto3\"; message Node { int64 v = 1; Node next = 2; string s = 3; }");
    EXPECT_TRUE(compatible(level::full, r2, {r1}));
}

TEST(ProtobufCompat, FieldsAddedRemovedRenamed) {
    const candidate v1 = proto("syntax = \"proto3\"; message M { int32 a = 1; string b = 2; }");
    const candidate added = proto("syntax = \"proto3\"; message M { int32 a = 1; string b = 2; bytes c = 3; }");
    const candidate removed = proto("syntax = \"proto3\"; message M { int32 a = 1; reserved 2; }");
    const candidate renamed = proto("syntax = \"proto3\"; message M { int32 renamed = 1; string b = 2; }");
    for (const candidate* next : {&added, &removed, &renamed}) {
        EXPECT_TRUE(compatible(level::full_transitive, *next, {v1}));
    }
}

TEST(ProtobufCompat, MessagesRemovedBreakBackwardOnly) {
    const candidate two = proto("syntax = \"proto3\"; message A { int32 a = 1; } message B { int32 b = 1; }");
    const candidate one = proto("syntax = \"proto3\"; message A { int32 a = 1; }");
    EXPECT_FALSE(compatible(level::backward, one, {two}));
    EXPECT_TRUE(compatible(level::forward, one, {two}));
    EXPECT_FALSE(compatible(level::full, one, {two}));
    EXPECT_TRUE(compatible(level::backward, two, {one}));  // added
    EXPECT_FALSE(compatible(level::forward, two, {one}));
    // Moved or reordered: compatible.
    const candidate reordered = proto("syntax = \"proto3\"; message B { int32 b = 1; } message A { int32 a = 1; }");
    EXPECT_TRUE(compatible(level::full, reordered, {two}));
    // Nested messages too.
    const candidate nested = proto("syntax = \"proto3\"; message A { message N { int32 n = 1; } int32 a = 1; }");
    EXPECT_FALSE(compatible(level::backward, one, {nested}));
}

TEST(ProtobufCompat, EnumChangesAreCompatible) {
    const candidate v1 = proto("syntax = \"proto3\"; enum E { A = 0; B = 1; } message M { E e = 1; }");
    const candidate v2 = proto("syntax = \"proto3\"; enum E { A = 0; C = 2; } message M { E e = 1; }");
    const candidate v3 = proto("syntax = \"proto3\"; message M { int32 e = 1; }");
    EXPECT_TRUE(compatible(level::full, v2, {v1}));
    EXPECT_TRUE(compatible(level::full_transitive, v3, {v1, v2}));
}

TEST(ProtobufCompat, RequiredFields) {
    const candidate v1 = proto("syntax = \"proto2\"; message M { required int32 a = 1; }");
    const candidate with_optional =
        proto("syntax = \"proto2\"; message M { required int32 a = 1; optional int32 b = 2; }");
    const candidate with_required =
        proto("syntax = \"proto2\"; message M { required int32 a = 1; required int32 b = 2; }");
    const candidate without = proto("syntax = \"proto2\"; message M { optional int32 b = 2; }");
    EXPECT_TRUE(compatible(level::full, with_optional, {v1}));
    EXPECT_FALSE(compatible(level::backward, with_required, {v1}));
    EXPECT_FALSE(compatible(level::forward, with_required, {v1}));
    EXPECT_FALSE(compatible(level::backward, without, {v1}));
}

TEST(ProtobufCompat, Oneofs) {
    const candidate v1 = proto("syntax = \"proto3\"; message M { int32 a = 1; string b = 2; }");
    const candidate one_moved = proto("syntax = \"proto3\"; message M { oneof o { int32 a = 1; } string b = 2; }");
    const candidate two_moved = proto("syntax = \"proto3\"; message M { oneof o { int32 a = 1; string b = 2; } }");
    EXPECT_TRUE(compatible(level::backward, one_moved, {v1}));
    EXPECT_FALSE(compatible(level::backward, two_moved, {v1}));
    // A member added to a oneof: fine; one removed from the message: not.
    const candidate grown =
        proto("syntax = \"proto3\"; message M { oneof o { int32 a = 1; bytes c = 3; } string b = 2; }");
    EXPECT_TRUE(compatible(level::backward, grown, {one_moved}));
    EXPECT_FALSE(compatible(level::backward, one_moved, {grown}));
    // An existing field moved into a oneof that already had members.
    const candidate into_existing = proto("syntax = \"proto3\"; message M { oneof o { int32 a = 1; string b = 2; } }");
    EXPECT_FALSE(compatible(level::backward, into_existing, {one_moved}));
    // A member's type is compared like any field's.
    const candidate retyped = proto("syntax = \"proto3\"; message M { oneof o { sint32 a = 1; } string b = 2; }");
    EXPECT_FALSE(compatible(level::backward, retyped, {one_moved}));
    // proto3 optional is not a oneof.
    const candidate optional = proto("syntax = \"proto3\"; message M { optional int32 a = 1; optional string b = 2; }");
    EXPECT_TRUE(compatible(level::full, optional, {v1}));
}

TEST(ProtobufCompat, PackageChangeBreaks) {
    const candidate v1 = proto("syntax = \"proto3\"; package a.b; message M { int32 f = 1; }");
    const candidate v2 = proto("syntax = \"proto3\"; package a.c; message M { int32 f = 1; }");
    EXPECT_FALSE(compatible(level::forward, v2, {v1}));
    EXPECT_FALSE(compatible(level::backward, v2, {v1}));
}

TEST(ProtobufCompat, SevenLevelsAndTransitivity) {
    const candidate v1 = proto("syntax = \"proto3\"; message M { int32 f = 1; }");
    const candidate v2 = proto("syntax = \"proto3\"; message M { reserved 1; }");
    const candidate v3 = proto("syntax = \"proto3\"; message M { string f = 1; }");  // v1's number, another type
    // Against v2 only, adding field 1 back is fine; against v1 it is not.
    for (level l : {level::backward, level::forward, level::full})
        EXPECT_TRUE(compatible(l, v3, {v1, v2}));
    for (level l : {level::backward_transitive, level::forward_transitive, level::full_transitive}) {
        EXPECT_FALSE(compatible(l, v3, {v1, v2}));
    }
    EXPECT_TRUE(compatible(level::none, v3, {v1, v2}));
}

TEST(ProtobufCompat, ImportsResolveThroughReferences) {
    const std::string money = "syntax = \"proto3\"; package c; message Money { int64 units = 1; }";
    const std::string order =
        "syntax = \"proto3\"; import \"common/money.proto\"; message Order { c.Money price = 1; }";
    const candidate v1 = proto(order, {money}, {"common/money.proto"});
    EXPECT_NE(invalid(order), "");  // the import needs its reference
    EXPECT_NE(invalid(order, {money}, {"other.proto"}).find("common/money.proto"), std::string::npos);
    // A new version of the referenced type, changed incompatibly.
    const std::string money2 = "syntax = \"proto3\"; package c; message Money { string units = 1; }";
    const candidate v2 = proto(order, {money2}, {"common/money.proto"});
    EXPECT_FALSE(compatible(level::backward, v2, {v1}));
    // The well-known types need no reference.
    proto(
        "syntax = \"proto3\"; import \"google/protobuf/timestamp.proto\"; "
        "message E { google.protobuf.Timestamp at = 1; }");
}

TEST(ProtobufCompat, LongChainsOfMessageFields) {
    // M0 holds M1 holds M2 ...: not nested in the text, so the parser takes
    // it; the comparison follows it without recursing.
    auto chain = [](int n, const char* last_type) {
        std::string s = "syntax = \"proto3\";";
        for (int i = 0; i < n; ++i)
            s += " message M" + std::to_string(i) + " { M" + std::to_string(i + 1) + " f = 1; }";
        return s + " message M" + std::to_string(n) + " { " + last_type + " v = 1; }";
    };
    EXPECT_TRUE(compatible(level::full, proto(chain(20, "int64")), {proto(chain(20, "int32"))}));
    EXPECT_FALSE(compatible(level::full, proto(chain(20, "string")), {proto(chain(20, "int32"))}));
    EXPECT_TRUE(compatible(level::full, proto(chain(20000, "int64")), {proto(chain(20000, "int32"))}));
    EXPECT_FALSE(compatible(level::full, proto(chain(20000, "sint32")), {proto(chain(20000, "int32"))}));
}

TEST(ProtobufCompat, InvalidSchemasAreRefused) {
    EXPECT_NE(invalid("syntax = \"proto3\"; message M { int32 a = 1 }"), "");                // syntax
    EXPECT_NE(invalid("syntax = \"proto3\"; message M { Unknown a = 1; }"), "");             // unknown type
    EXPECT_NE(invalid("syntax = \"proto3\"; message M { int32 a = 1; int32 b = 1; }"), "");  // number reused
    EXPECT_NE(invalid("syntax = \"proto4\"; message M { }"), "");
    EXPECT_NE(invalid("syntax = \"proto3\"; message M { required int32 a = 1; }"), "");  // proto2 only
    EXPECT_NE(invalid("not a proto at all {{{"), "");
    std::string deep = "syntax = \"proto3\";";
    for (int i = 0; i < 200; ++i)
        deep += " message M" + std::to_string(i) + " {";
    for (int i = 0; i < 200; ++i)
        deep += " }";
    EXPECT_NE(invalid(deep).find("nested deeper"), std::string::npos);
    // No syntax statement: proto2, as protoc.
    proto("message M { optional int32 a = 1; }");
}

TEST(ProtobufCompat, Base64DescriptorsAsPythonSerializersSendThem) {
    // protoc's FileDescriptorProto of `syntax = "proto3"; package t; message M { int32 a = 1; }`.
    const std::string encoded = "CgdtLnByb3RvEgF0IhEKAU0SDAoBYRgBIAEoBVIBYWIGcHJvdG8z";
    const candidate binary = proto(encoded);
    EXPECT_EQ(binary.text, encoded);  // stored as given
    EXPECT_TRUE(compatible(level::full, proto("syntax = \"proto3\"; package t; message M { int64 a = 1; }"), {binary}));
    EXPECT_FALSE(
        compatible(level::full, proto("syntax = \"proto3\"; package t; message M { sint32 a = 1; }"), {binary}));
    EXPECT_NE(invalid("CgdtLnByb3RvEgF0IhEKAU0SDAoBYRgBIAEoBVIBYWIGcHJvdG8"), "");  // truncated
}

TEST(ProtobufCompat, WellKnownFilesAsSchemasAndAsReferences) {
    // google/protobuf/timestamp.proto's descriptor, as confluent-kafka's
    // serializer registers an import of it: under its own subject, and as a
    // reference of the schema importing it.
    const std::string timestamp =
        "Ch9nb29nbGUvcHJvdG9idWYvdGltZXN0YW1wLnByb3RvEg9nb29nbGUucHJvdG9idWYiKwoJVGltZXN0YW1wEg8KB3NlY29uZHMYASABKAMSDQ"
        "oF"
        "bmFub3MYAiABKAVChQEKE2NvbS5nb29nbGUucHJvdG9idWZCDlRpbWVzdGFtcFByb3RvUAFaMmdvb2dsZS5nb2xhbmcub3JnL3Byb3RvYnVmL3"
        "R5"
        "cGVzL2tub3duL3RpbWVzdGFtcHBi+AEBogIDR1BCqgIeR29vZ2xlLlByb3RvYnVmLldlbGxLbm93blR5cGVzYgZwcm90bzM=";
    proto(timestamp);
    const std::string event =
        "syntax = \"proto3\"; import \"google/protobuf/timestamp.proto\"; "
        "message E { google.protobuf.Timestamp at = 1; }";
    proto(event, {timestamp}, {"google/protobuf/timestamp.proto"});
    proto(event);
}

}  // namespace
}  // namespace sluice::broker::schema_registry

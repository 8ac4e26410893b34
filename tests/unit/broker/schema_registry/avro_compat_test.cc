// Avro's schema-resolution rules, one case per rule of the specification's
// "Schema Resolution" section: each pair's verdict comes from that text.
#include "broker/schema_registry/avro_compat.h"

#include <gtest/gtest.h>

namespace sluice::broker::schema_registry::avro {
namespace {

schema s(std::string_view text) {
    auto r = parse(text);
    if (auto* e = std::get_if<std::string>(&r)) ADD_FAILURE() << *e << " for " << text;
    return std::get<schema>(std::move(r));
}

bool reads(std::string_view reader, std::string_view writer) { return can_read(s(reader), s(writer)); }

std::string rec(std::string_view fields, std::string_view name = "R") {
    return R"({"type":"record","name":")" + std::string(name) + R"(","fields":[)" + std::string(fields) + "]}";
}

TEST(AvroCompat, SamePrimitive) { EXPECT_TRUE(reads(R"("string")", R"("string")")); }

TEST(AvroCompat, Promotions) {
    EXPECT_TRUE(reads(R"("long")", R"("int")"));
    EXPECT_TRUE(reads(R"("float")", R"("int")"));
    EXPECT_TRUE(reads(R"("double")", R"("int")"));
    EXPECT_TRUE(reads(R"("float")", R"("long")"));
    EXPECT_TRUE(reads(R"("double")", R"("long")"));
    EXPECT_TRUE(reads(R"("double")", R"("float")"));
    EXPECT_TRUE(reads(R"("string")", R"("bytes")"));
    EXPECT_TRUE(reads(R"("bytes")", R"("string")"));
}

TEST(AvroCompat, NoDemotions) {
    EXPECT_FALSE(reads(R"("int")", R"("long")"));
    EXPECT_FALSE(reads(R"("long")", R"("float")"));
    EXPECT_FALSE(reads(R"("float")", R"("double")"));
    EXPECT_FALSE(reads(R"("int")", R"("string")"));
    EXPECT_FALSE(reads(R"("boolean")", R"("null")"));
}

TEST(AvroCompat, ReaderFieldMissingFromWriterNeedsDefault) {
    const auto v1 = rec(R"({"name":"a","type":"int"})");
    EXPECT_TRUE(reads(rec(R"({"name":"a","type":"int"},{"name":"b","type":"string","default":""})"), v1));
    EXPECT_FALSE(reads(rec(R"({"name":"a","type":"int"},{"name":"b","type":"string"})"), v1));
}

TEST(AvroCompat, WriterFieldTheReaderLacksIsSkipped) {
    EXPECT_TRUE(
        reads(rec(R"({"name":"a","type":"int"})"), rec(R"({"name":"a","type":"int"},{"name":"b","type":"int"})")));
}

TEST(AvroCompat, FieldTypesResolveRecursively) {
    EXPECT_TRUE(reads(rec(R"({"name":"a","type":"long"})"), rec(R"({"name":"a","type":"int"})")));
    EXPECT_FALSE(reads(rec(R"({"name":"a","type":"int"})"), rec(R"({"name":"a","type":"long"})")));
}

TEST(AvroCompat, RecordNamesMustMatchUnlessAliased) {
    const auto writer = rec(R"({"name":"a","type":"int"})", "ns.Old");
    EXPECT_FALSE(reads(rec(R"({"name":"a","type":"int"})", "ns.New"), writer));
    EXPECT_TRUE(
        reads(R"({"type":"record","name":"ns.New","aliases":["Old"],"fields":[{"name":"a","type":"int"}]})", writer));
    // Only the unqualified names are compared (Java's schemaNameEquals).
    EXPECT_TRUE(reads(rec(R"({"name":"a","type":"int"})", "other.Old"), writer));
}

TEST(AvroCompat, FieldAliasFindsRenamedWriterField) {
    const auto writer = rec(R"({"name":"old","type":"int"})");
    EXPECT_TRUE(reads(rec(R"({"name":"new","type":"int","aliases":["old"]})"), writer));
    EXPECT_FALSE(reads(rec(R"({"name":"new","type":"int"})"), writer));
}

TEST(AvroCompat, EnumWriterSymbolsMustBeKnownToReader) {
    const auto ab = R"({"type":"enum","name":"E","symbols":["A","B"]})";
    const auto abc = R"({"type":"enum","name":"E","symbols":["A","B","C"]})";
    EXPECT_TRUE(reads(abc, ab));
    EXPECT_FALSE(reads(ab, abc));
    EXPECT_TRUE(reads(R"({"type":"enum","name":"E","symbols":["A","B"],"default":"A"})", abc));
    EXPECT_FALSE(reads(R"({"type":"enum","name":"F","symbols":["A","B","C"]})", ab));
}

TEST(AvroCompat, FixedNeedsSameNameAndSize) {
    EXPECT_TRUE(reads(R"({"type":"fixed","name":"F","size":4})", R"({"type":"fixed","name":"F","size":4})"));
    EXPECT_FALSE(reads(R"({"type":"fixed","name":"F","size":8})", R"({"type":"fixed","name":"F","size":4})"));
    EXPECT_FALSE(reads(R"({"type":"fixed","name":"G","size":4})", R"({"type":"fixed","name":"F","size":4})"));
}

TEST(AvroCompat, ArraysAndMapsByTheirItems) {
    EXPECT_TRUE(reads(R"({"type":"array","items":"long"})", R"({"type":"array","items":"int"})"));
    EXPECT_FALSE(reads(R"({"type":"array","items":"int"})", R"({"type":"array","items":"long"})"));
    EXPECT_TRUE(reads(R"({"type":"map","values":"double"})", R"({"type":"map","values":"float"})"));
    EXPECT_FALSE(reads(R"({"type":"map","values":"int"})", R"({"type":"array","items":"int"})"));
}

TEST(AvroCompat, WriterUnionNeedsEveryBranchReadable) {
    EXPECT_TRUE(reads(R"(["null","string","int"])", R"(["null","string"])"));
    EXPECT_FALSE(reads(R"(["null","string"])", R"(["null","string","int"])"));
    EXPECT_FALSE(reads(R"("string")", R"(["null","string"])"));
    EXPECT_TRUE(reads(R"("long")", R"(["int","long"])"));
}

TEST(AvroCompat, ReaderUnionNeedsOneBranchForTheWriter) {
    EXPECT_TRUE(reads(R"(["null","string"])", R"("string")"));
    EXPECT_TRUE(reads(R"(["null","double"])", R"("int")"));  // by promotion
    EXPECT_FALSE(reads(R"(["null","string"])", R"("int")"));
}

TEST(AvroCompat, RecursiveRecords) {
    const auto list =
        R"({"type":"record","name":"L","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","L"]}]})";
    const auto wider =
        R"({"type":"record","name":"L","fields":[{"name":"v","type":"long"},{"name":"next","type":["null","L"]}]})";
    EXPECT_TRUE(reads(wider, list));
    EXPECT_FALSE(reads(list, wider));
}

TEST(AvroCompat, ReportsWhereItFails) {
    auto problems = incompatibilities(s(rec(R"({"name":"a","type":"int"},{"name":"b","type":"string"})")),
                                      s(rec(R"({"name":"a","type":"int"})")));
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_NE(problems[0].find("/fields/1"), std::string::npos) << problems[0];
}

}  // namespace
}  // namespace sluice::broker::schema_registry::avro

namespace sluice::broker::schema_registry::avro {
namespace {

// Unions of same-named records nested deep: every reader branch matches
// every writer branch by name, and with a leaf the reader cannot read every
// trial fails, so without remembered verdicts the check would walk 64^6
// paths. The first branch of each level defines the level below; the
// others name its records.
std::string nested_unions(const std::string& leaf) {
    std::string level = leaf;
    std::string names = level;
    for (int depth = 0; depth < 6; ++depth) {
        std::string branches, next_names;
        for (int b = 0; b < 8; ++b) {
            const std::string name = "n" + std::to_string(b) + "d" + std::to_string(depth) + ".R";
            branches += std::string(b ? "," : "") + R"({"type":"record","name":")" + name +
                        R"(","fields":[{"name":"x","type":)" + (b == 0 ? level : names) + "}]}";
            next_names += std::string(b ? "," : "") + "\"" + name + "\"";
        }
        level = "[" + branches + "]";
        names = "[" + next_names + "]";
    }
    return level;
}

TEST(AvroCompat, NestedUnionsOfSameNamedRecordsStayCheap) {
    auto ints = std::get<schema>(parse(nested_unions(R"("int")")));
    auto longs = std::get<schema>(parse(nested_unions(R"("long")")));
    EXPECT_TRUE(can_read(longs, ints));
    EXPECT_FALSE(can_read(ints, longs));
}

}  // namespace
}  // namespace sluice::broker::schema_registry::avro

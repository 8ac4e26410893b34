// The Avro parser: what it accepts (and the Parsing Canonical Form it gives,
// checked against the specification's transformation rules) and one named
// case per shape it must refuse.
#include "broker/schema_registry/avro_schema.h"

#include <gtest/gtest.h>

namespace sluice::broker::schema_registry::avro {
namespace {

schema ok(std::string_view text, const std::vector<std::string>& refs = {}) {
    auto r = parse(text, refs);
    if (auto* e = std::get_if<std::string>(&r)) ADD_FAILURE() << *e << " for " << text;
    return std::get<schema>(std::move(r));
}

std::string error_of(std::string_view text) {
    auto r = parse(text);
    if (std::holds_alternative<schema>(r)) return "";
    return std::get<std::string>(r);
}

TEST(AvroSchema, PrimitivesAsStringAndObject) {
    EXPECT_EQ(ok(R"("int")").top().type, kind::int_type);
    EXPECT_EQ(ok(R"({"type":"string"})").top().type, kind::string);
    auto ts = ok(R"({"type":"long","logicalType":"timestamp-millis"})");
    EXPECT_EQ(ts.top().type, kind::long_type);
    EXPECT_EQ(ts.top().logical_type, "timestamp-millis");
    EXPECT_EQ(parsing_canonical_form(ts), R"("long")");  // PCF drops logical types
}

TEST(AvroSchema, CanonicalFormUsesFullNamesAndDropsOtherAttributes) {
    auto s = ok(R"({"type":"record","name":"R","namespace":"a.b","doc":"x","aliases":["Old"],
        "fields":[{"name":"f","type":{"type":"fixed","name":"F","size":4},"default":"abcd","doc":"y"},
                  {"name":"e","type":{"type":"enum","name":"c.E","symbols":["A","B"]}},
                  {"name":"m","type":{"type":"map","values":{"type":"array","items":"F"}}},
                  {"name":"u","type":["null","R"],"default":null}]})");
    EXPECT_EQ(
        parsing_canonical_form(s),
        R"({"name":"a.b.R","type":"record","fields":[{"name":"f","type":{"name":"a.b.F","type":"fixed","size":4}},)"
        R"({"name":"e","type":{"name":"c.E","type":"enum","symbols":["A","B"]}},)"
        R"({"name":"m","type":{"type":"map","values":{"type":"array","items":"a.b.F"}}},)"
        R"({"name":"u","type":["null","a.b.R"]}]})");
}

TEST(AvroSchema, RecursiveRecordIsACycle) {
    auto s = ok(R"({"type":"record","name":"Node","fields":[{"name":"next","type":["null","Node"]}]})");
    const node& top = s.top();
    const node& u = s.at(top.fields[0].type);
    ASSERT_EQ(u.type, kind::union_type);
    EXPECT_EQ(u.branches[1], s.root);
}

TEST(AvroSchema, NamesFromReferencedSchemas) {
    auto s = ok(R"({"type":"record","name":"Order","fields":[{"name":"c","type":"com.x.Customer"}]})",
                {R"({"type":"record","name":"Customer","namespace":"com.x","fields":[{"name":"id","type":"long"}]})"});
    EXPECT_EQ(s.at(s.top().fields[0].type).full_name, "com.x.Customer");
    EXPECT_NE(error_of(R"({"type":"record","name":"Order","fields":[{"name":"c","type":"com.x.Customer"}]})"), "");
}

TEST(AvroSchema, ValidDefaults) {
    ok(R"({"type":"record","name":"R","fields":[
        {"name":"a","type":"int","default":1},{"name":"b","type":"double","default":1},
        {"name":"c","type":["null","string"],"default":null},{"name":"d","type":["string","null"],"default":"x"},
        {"name":"e","type":{"type":"array","items":"int"},"default":[1,2]},
        {"name":"f","type":{"type":"map","values":"boolean"},"default":{"k":true}},
        {"name":"g","type":"bytes","default":"\u00ff"},{"name":"h","type":"long","default":9007199254740993}]})");
}

TEST(AvroSchema, RefusesUnknownType) { EXPECT_NE(error_of(R"("integer")"), ""); }
TEST(AvroSchema, RefusesMalformedJson) { EXPECT_NE(error_of(R"({"type":)"), ""); }
TEST(AvroSchema, RefusesObjectWithoutType) { EXPECT_NE(error_of(R"({"name":"x"})"), ""); }
TEST(AvroSchema, RefusesRecordWithoutName) { EXPECT_NE(error_of(R"({"type":"record","fields":[]})"), ""); }
TEST(AvroSchema, RefusesRecordWithoutFields) { EXPECT_NE(error_of(R"({"type":"record","name":"R"})"), ""); }
TEST(AvroSchema, RefusesIllegalName) { EXPECT_NE(error_of(R"({"type":"record","name":"1R","fields":[]})"), ""); }
TEST(AvroSchema, RefusesIllegalFieldName) {
    EXPECT_NE(error_of(R"({"type":"record","name":"R","fields":[{"name":"a-b","type":"int"}]})"), "");
}
TEST(AvroSchema, RefusesDuplicateField) {
    EXPECT_NE(
        error_of(R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"a","type":"long"}]})"),
        "");
}
TEST(AvroSchema, RefusesFieldWithoutType) {
    EXPECT_NE(error_of(R"({"type":"record","name":"R","fields":[{"name":"a"}]})"), "");
}
TEST(AvroSchema, RefusesRedefinedName) {
    EXPECT_NE(
        error_of(R"({"type":"record","name":"R","fields":[{"name":"a","type":{"type":"fixed","name":"R","size":1}}]})"),
        "");
}
TEST(AvroSchema, RefusesDuplicateEnumSymbol) {
    EXPECT_NE(error_of(R"({"type":"enum","name":"E","symbols":["A","A"]})"), "");
}
TEST(AvroSchema, RefusesIllegalEnumSymbol) {
    EXPECT_NE(error_of(R"({"type":"enum","name":"E","symbols":["A B"]})"), "");
}
TEST(AvroSchema, RefusesEnumDefaultNotASymbol) {
    EXPECT_NE(error_of(R"({"type":"enum","name":"E","symbols":["A"],"default":"B"})"), "");
}
TEST(AvroSchema, RefusesFixedWithoutSize) { EXPECT_NE(error_of(R"({"type":"fixed","name":"F"})"), ""); }
TEST(AvroSchema, RefusesNegativeFixedSize) { EXPECT_NE(error_of(R"({"type":"fixed","name":"F","size":-1})"), ""); }
TEST(AvroSchema, RefusesArrayWithoutItems) { EXPECT_NE(error_of(R"({"type":"array"})"), ""); }
TEST(AvroSchema, RefusesMapWithoutValues) { EXPECT_NE(error_of(R"({"type":"map"})"), ""); }
TEST(AvroSchema, RefusesNestedUnion) { EXPECT_NE(error_of(R"(["null",["int","string"]])"), ""); }
TEST(AvroSchema, RefusesDuplicateUnionBranch) { EXPECT_NE(error_of(R"(["int","string","int"])"), ""); }
TEST(AvroSchema, AllowsTwoNamedBranchesOfOneKind) {
    ok(R"([{"type":"fixed","name":"A","size":1},{"type":"fixed","name":"B","size":1}])");
}
TEST(AvroSchema, RefusesDefaultOfWrongType) {
    EXPECT_NE(error_of(R"({"type":"record","name":"R","fields":[{"name":"a","type":"int","default":"x"}]})"), "");
    EXPECT_NE(error_of(R"({"type":"record","name":"R","fields":[{"name":"a","type":"int","default":4294967296}]})"),
              "");
}
TEST(AvroSchema, RefusesUnionDefaultNotOfFirstBranch) {
    EXPECT_NE(
        error_of(R"({"type":"record","name":"R","fields":[{"name":"a","type":["null","string"],"default":"x"}]})"), "");
}
TEST(AvroSchema, RefusesNonSchemaValue) { EXPECT_NE(error_of("42"), ""); }

}  // namespace
}  // namespace sluice::broker::schema_registry::avro

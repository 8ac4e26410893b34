// JSON Schema compatibility: one case per rule json_schema_compat.h lists,
// with the verdict Confluent's rules give (its difference names in each
// case), reader = the schema that must accept the writer's documents.
#include "broker/schema_registry/json_schema_compat.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace sluice::broker::schema_registry::json_schema {
namespace {

bool reads(std::string_view reader, std::string_view writer) {
    return incompatibilities(boost::json::parse(reader), boost::json::parse(writer)).empty();
}

constexpr const char* open_a = R"({"type":"object","properties":{"a":{"type":"string"}}})";
constexpr const char* open_ab = R"({"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}}})";
constexpr const char* closed_a =
    R"({"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false})";
constexpr const char* closed_ab =
    R"({"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}},"additionalProperties":false})";

TEST(JsonSchemaCompat, IdenticalAndAnnotationsOnly) {
    EXPECT_TRUE(reads(open_ab, open_ab));
    EXPECT_TRUE(reads(R"({"type":"string","title":"x","description":"new"})", R"({"type":"string"})"));
}

TEST(JsonSchemaCompat, TypeWidenedOrNarrowed) {
    EXPECT_TRUE(reads(R"({"type":"number"})", R"({"type":"integer"})"));   // TYPE_EXTENDED
    EXPECT_FALSE(reads(R"({"type":"integer"})", R"({"type":"number"})"));  // TYPE_NARROWED
    EXPECT_TRUE(reads(R"({"type":["string","null"]})", R"({"type":"string"})"));
    EXPECT_FALSE(reads(R"({"type":"string"})", R"({"type":["string","null"]})"));
    EXPECT_FALSE(reads(R"({"type":"string"})", R"({"type":"boolean"})"));  // TYPE_CHANGED
    EXPECT_TRUE(reads("true", R"({"type":"string"})"));
    EXPECT_FALSE(reads("false", R"({"type":"string"})"));
    EXPECT_TRUE(reads(R"({"type":"string"})", "false"));
}

TEST(JsonSchemaCompat, PropertyAddedToOpenModelIsRefused) {
    EXPECT_FALSE(reads(open_ab, open_a));  // PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL
    // ...unless the new property accepts anything.
    EXPECT_TRUE(reads(R"({"type":"object","properties":{"a":{"type":"string"},"b":{}}})", open_a));
}

TEST(JsonSchemaCompat, PropertyAddedToClosedModelIsFine) {
    EXPECT_TRUE(reads(closed_ab, closed_a));  // OPTIONAL_PROPERTY_ADDED_TO_CLOSED_CONTENT_MODEL
}

TEST(JsonSchemaCompat, PropertyRemoved) {
    EXPECT_TRUE(reads(open_a, open_ab));       // PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL
    EXPECT_FALSE(reads(closed_a, closed_ab));  // PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL
}

TEST(JsonSchemaCompat, PartiallyOpenModel) {
    const char* w =
        R"({"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":{"type":"integer"}})";
    EXPECT_TRUE(reads(
        R"({"type":"object","properties":{"a":{"type":"string"},"b":{"type":"number"}},"additionalProperties":{"type":"integer"}})",
        w));
    EXPECT_FALSE(reads(
        R"({"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}},"additionalProperties":{"type":"integer"}})",
        w));
}

TEST(JsonSchemaCompat, AdditionalProperties) {
    EXPECT_FALSE(reads(closed_a, open_a));  // ADDITIONAL_PROPERTIES_REMOVED
    EXPECT_TRUE(reads(open_a, closed_a));   // ADDITIONAL_PROPERTIES_ADDED
    EXPECT_FALSE(reads(R"({"type":"object","additionalProperties":{"type":"string"}})", R"({"type":"object"})"));
}

TEST(JsonSchemaCompat, RequiredAdded) {
    const char* req = R"({"type":"object","properties":{"a":{"type":"string"}},"required":["a"]})";
    EXPECT_FALSE(reads(req, open_a));  // REQUIRED_ATTRIBUTE_ADDED
    EXPECT_TRUE(reads(open_a, req));   // REQUIRED_ATTRIBUTE_REMOVED
    EXPECT_TRUE(
        reads(R"({"type":"object","properties":{"a":{"type":"string","default":""}},"required":["a"]})", open_a));
}

TEST(JsonSchemaCompat, NestedPropertiesAndItems) {
    EXPECT_FALSE(
        reads(R"({"type":"object","properties":{"o":{"type":"object","properties":{"x":{"type":"integer"}}}}})",
              R"({"type":"object","properties":{"o":{"type":"object","properties":{"x":{"type":"number"}}}}})"));
    EXPECT_TRUE(
        reads(R"({"type":"array","items":{"type":"number"}})", R"({"type":"array","items":{"type":"integer"}})"));
    EXPECT_FALSE(
        reads(R"({"type":"array","items":{"type":"integer"}})", R"({"type":"array","items":{"type":"number"}})"));
}

TEST(JsonSchemaCompat, EnumsAndConst) {
    EXPECT_TRUE(reads(R"({"enum":["a","b","c"]})", R"({"enum":["a","b"]})"));  // ENUM_ARRAY_EXTENDED
    EXPECT_FALSE(reads(R"({"enum":["a"]})", R"({"enum":["a","b"]})"));         // ENUM_ARRAY_NARROWED
    EXPECT_FALSE(reads(R"({"type":"string","enum":["a"]})", R"({"type":"string"})"));
    EXPECT_TRUE(reads(R"({"type":"string"})", R"({"type":"string","enum":["a"]})"));
    EXPECT_FALSE(reads(R"({"const":1})", R"({"const":2})"));
}

TEST(JsonSchemaCompat, Bounds) {
    EXPECT_FALSE(reads(R"({"type":"string","maxLength":5})", R"({"type":"string"})"));  // MAX_LENGTH_ADDED
    EXPECT_FALSE(
        reads(R"({"type":"string","maxLength":5})", R"({"type":"string","maxLength":9})"));  // MAX_LENGTH_DECREASED
    EXPECT_TRUE(
        reads(R"({"type":"string","maxLength":9})", R"({"type":"string","maxLength":5})"));  // MAX_LENGTH_INCREASED
    EXPECT_FALSE(reads(R"({"type":"integer","minimum":3})", R"({"type":"integer","minimum":1})"));  // MINIMUM_INCREASED
    EXPECT_TRUE(reads(R"({"type":"integer"})", R"({"type":"integer","minimum":1})"));               // MINIMUM_REMOVED
    EXPECT_FALSE(reads(R"({"type":"string","pattern":"^a"})", R"({"type":"string"})"));             // PATTERN_ADDED
    EXPECT_TRUE(reads(R"({"type":"number","multipleOf":2})", R"({"type":"number","multipleOf":4})"));
    EXPECT_FALSE(reads(R"({"type":"number","multipleOf":4})", R"({"type":"number","multipleOf":2})"));
    EXPECT_FALSE(reads(R"({"type":"array","uniqueItems":true})", R"({"type":"array"})"));
}

TEST(JsonSchemaCompat, KeywordsNotCheckedAreRefusedWhenChanged) {
    const char* one = R"({"oneOf":[{"type":"string"},{"type":"integer"}]})";
    EXPECT_TRUE(reads(one, one));
    EXPECT_FALSE(reads(R"({"oneOf":[{"type":"string"},{"type":"integer"},{"type":"null"}]})", one));
    EXPECT_FALSE(reads(R"({"$ref":"other.json#/a"})", R"({"$ref":"another.json#/a"})"));  // remote
}

TEST(JsonSchemaCompat, LocalReferencesAreFollowed) {
    auto with = [](const char* price) {
        return std::string(R"({"type":"object","properties":{"p":{"$ref":"#/definitions/price"}},)"
                           R"("definitions":{"price":)") +
               price + "}}";
    };
    EXPECT_TRUE(reads(with(R"({"type":"number"})"), with(R"({"type":"integer"})")));
    EXPECT_FALSE(reads(with(R"({"type":"integer"})"), with(R"({"type":"number"})")));
    // The same shape under another name, inline on one side.
    EXPECT_TRUE(reads(R"({"type":"object","properties":{"p":{"$ref":"#/$defs/amount"}},)"
                      R"("$defs":{"amount":{"type":"number"}}})",
                      R"({"type":"object","properties":{"p":{"type":"integer"}}})"));
}

TEST(JsonSchemaCompat, RecursiveSchemasEnd) {
    const char* tree = R"({"type":"object","properties":{"v":{"type":"integer"},)"
                       R"("kids":{"type":"array","items":{"$ref":"#"}}}})";
    const char* wider = R"({"type":"object","properties":{"v":{"type":"number"},)"
                        R"("kids":{"type":"array","items":{"$ref":"#"}}}})";
    EXPECT_TRUE(reads(tree, tree));
    EXPECT_TRUE(reads(wider, tree));
    EXPECT_FALSE(reads(tree, wider));
}

}  // namespace
}  // namespace sluice::broker::schema_registry::json_schema

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

// Found by the json_schema fuzz target (tests/fuzz/regressions/json_schema/
// unjudged-keyword-self-check): a keyword the rules cannot judge, reached
// through a $ref, made a schema refuse itself.
TEST(JsonSchemaCompat, SchemaWithUnjudgedKeywordReadsItself) {
    constexpr const char* s =
        R"({"$defs":{"n":{"items":"object","properties":{"next":{"$ref":"titlefs/n"}}}},"$ref":"#/$defs/n"})";
    EXPECT_TRUE(reads(s, s));
    EXPECT_FALSE(reads(R"({"$defs":{"n":{"items":"string"}},"$ref":"#/$defs/n"})",
                       R"({"$defs":{"n":{"items":"object"}},"$ref":"#/$defs/n"})"));
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
    const char* one = R"({"type":"object","oneOf":[{"required":["a"]},{"required":["b"]}]})";
    EXPECT_TRUE(reads(one, one));
    // A combinator beside other keywords is compared as a value.
    EXPECT_FALSE(reads(R"({"type":"object","oneOf":[{"required":["a"]},{"required":["b"]},{"required":["c"]}]})", one));
    EXPECT_FALSE(reads(R"({"not":{"type":"string"}})", R"({"not":{"type":"integer"}})"));
    EXPECT_FALSE(reads(R"({"$ref":"other.json#/a"})", R"({"$ref":"another.json#/a"})"));  // remote
}

// Confluent's combined-schema rules; the bracketed names are its
// differences, compatible or not as its list of compatible changes says.
TEST(JsonSchemaCompat, CombinedSchemas) {
    const char* s_or_i = R"({"oneOf":[{"type":"string"},{"type":"integer"}]})";
    const char* s_or_i_or_n = R"({"oneOf":[{"type":"string"},{"type":"integer"},{"type":"null"}]})";
    EXPECT_TRUE(reads(s_or_i, s_or_i));
    EXPECT_TRUE(reads(s_or_i_or_n, s_or_i));                                            // SUM_TYPE_EXTENDED
    EXPECT_FALSE(reads(s_or_i, s_or_i_or_n));                                           // SUM_TYPE_NARROWED
    EXPECT_TRUE(reads(R"({"oneOf":[{"type":"integer"},{"type":"string"}]})", s_or_i));  // order does not matter
    // Subschemas paired by compatibility: integer read as number is fine, string as boolean is not.
    EXPECT_TRUE(reads(R"({"anyOf":[{"type":"string"},{"type":"number"}]})",
                      R"({"anyOf":[{"type":"string"},{"type":"integer"}]})"));
    EXPECT_FALSE(reads(R"({"anyOf":[{"type":"boolean"},{"type":"integer"}]})",
                       R"({"anyOf":[{"type":"string"},{"type":"integer"}]})"));  // COMBINED_TYPE_SUBSCHEMAS_CHANGED
    // Duplicates count once.
    EXPECT_TRUE(reads(s_or_i, R"({"oneOf":[{"type":"string"},{"type":"integer"},{"type":"string"}]})"));
    // Criterion: toward anyOf is COMBINED_TYPE_EXTENDED; away from it COMBINED_TYPE_CHANGED.
    EXPECT_TRUE(reads(R"({"anyOf":[{"type":"string"},{"type":"integer"}]})", s_or_i));
    EXPECT_TRUE(reads(R"({"anyOf":[{"type":"string"},{"type":"integer"}]})",
                      R"({"allOf":[{"type":"string"},{"type":"integer"}]})"));
    EXPECT_FALSE(reads(s_or_i, R"({"anyOf":[{"type":"string"},{"type":"integer"}]})"));
    EXPECT_FALSE(reads(R"({"allOf":[{"type":"string"},{"type":"integer"}]})", s_or_i));
    EXPECT_TRUE(reads(R"({"oneOf":[{"type":"string"}]})", R"({"anyOf":[{"type":"string"}]})"));  // singleton
    // allOf: fewer subschemas is PRODUCT_TYPE_NARROWED, more is PRODUCT_TYPE_EXTENDED.
    const char* both = R"({"allOf":[{"type":"object"},{"required":["a"]}]})";
    const char* one_of_them = R"({"allOf":[{"type":"object"}]})";
    EXPECT_TRUE(reads(one_of_them, both));
    EXPECT_FALSE(reads(both, one_of_them));
    // A plain writer read by a union with a member that reads it.
    EXPECT_TRUE(reads(s_or_i_or_n, R"({"type":"string"})"));
    EXPECT_FALSE(reads(s_or_i, R"({"type":"boolean"})"));
    EXPECT_TRUE(reads(R"({"type":"string"})", R"({"oneOf":[{"type":"string"}]})"));  // a singleton writer
    EXPECT_FALSE(reads(R"({"type":"string"})", s_or_i));
    // Nested inside properties, with the usual rules below.
    auto prop = [](const char* schema) {
        return std::string(R"({"type":"object","properties":{"v":)") + schema + "}}";
    };
    EXPECT_TRUE(reads(prop(s_or_i_or_n), prop(s_or_i)));
    EXPECT_FALSE(reads(prop(s_or_i), prop(s_or_i_or_n)));
}

TEST(JsonSchemaCompat, NestedCombinationsStayCheap) {
    // anyOf of two anyOfs of two ... 15 deep (JSON nesting stops at 32):
    // each level pairs every subschema with every other; unmemoized, 4^15 checks.
    auto nested = [](const char* leaf) {
        std::string s = leaf;
        for (int i = 0; i < 15; ++i)
            s = R"({"anyOf":[)" + s + R"(,{"type":"null","title":")" + std::to_string(i) + R"("}]})";
        return s;
    };
    EXPECT_TRUE(reads(nested(R"({"type":"number"})"), nested(R"({"type":"integer"})")));
    EXPECT_FALSE(reads(nested(R"({"type":"integer"})"), nested(R"({"type":"string"})")));
    // Very wide unions: identical members pair off unchecked; 300 members
    // all changed exceed the bound on comparisons and are refused.
    auto wide = [](int from) {
        std::string s = R"({"anyOf":[)";
        for (int i = 0; i < 300; ++i) {
            s += (i ? "," : "") + std::string(R"({"type":"string","maxLength":)") + std::to_string(from + i) + "}";
        }
        return s + "]}";
    };
    EXPECT_TRUE(reads(wide(0), wide(0)));
    EXPECT_FALSE(reads(wide(1000), wide(0)));
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

// JSON Schema compatibility: one case per rule json_schema_compat.h lists,
// with the verdict Confluent's rules give (its difference names in each
// case), reader = the schema that must accept the writer's documents.
#include "broker/schema_registry/json_schema_compat.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <chrono>
#include <string>

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
    EXPECT_FALSE(reads(R"({"$ref":"other.json#/a"})", R"({"$ref":"another.json#/a"})"));  // remote
    EXPECT_FALSE(reads(R"({"type":"array","contains":{"type":"string"}})", R"({"type":"array"})"));
    EXPECT_FALSE(reads(R"({"type":"object","propertyNames":{"maxLength":3}})", R"({"type":"object"})"));
}

// A combinator beside other keywords: both must hold, checked part by part.
TEST(JsonSchemaCompat, CombinatorBesideKeywords) {
    const char* two = R"({"type":"object","oneOf":[{"required":["a"]},{"required":["b"]}]})";
    const char* three = R"({"type":"object","oneOf":[{"required":["a"]},{"required":["b"]},{"required":["c"]}]})";
    EXPECT_TRUE(reads(two, two));
    EXPECT_TRUE(reads(three, two));   // SUM_TYPE_EXTENDED
    EXPECT_FALSE(reads(two, three));  // SUM_TYPE_NARROWED
    // The other keywords follow their own rules beside it.
    EXPECT_FALSE(reads(R"({"type":"string","oneOf":[{"required":["a"]},{"required":["b"]}]})", two));
    EXPECT_TRUE(reads(R"({"type":["object","null"],"oneOf":[{"required":["a"]},{"required":["b"]}]})", two));
    // Dropping the combinator widens; adding one where the writer had none narrows.
    EXPECT_TRUE(reads(R"({"type":"object"})", two));
    EXPECT_FALSE(reads(two, R"({"type":"object"})"));
    // ...unless the writer's other keywords already say as much.
    EXPECT_TRUE(reads(R"({"type":"object","anyOf":[{"type":"object"},{"type":"null"}]})", R"({"type":"object"})"));
    // A plain combination read by one beside keywords, and the other way round.
    EXPECT_TRUE(reads(R"({"anyOf":[{"required":["a"]},{"required":["b"]}]})", two));
}

// `not`: the reader may exclude less than the writer did, never more.
TEST(JsonSchemaCompat, Not) {
    EXPECT_FALSE(reads(R"({"not":{"type":"string"}})", R"({"not":{"type":"integer"}})"));  // NOT_TYPE_EXTENDED
    EXPECT_TRUE(reads(R"({"not":{"type":"integer"}})", R"({"not":{"type":"number"}})"));   // NOT_TYPE_NARROWED
    EXPECT_FALSE(reads(R"({"not":{"type":"number"}})", R"({"not":{"type":"integer"}})"));
    EXPECT_FALSE(reads(R"({"not":{"type":"null"}})", R"({})"));  // added
    EXPECT_TRUE(reads(R"({})", R"({"not":{"type":"null"}})"));   // removed
    // Nested: a property that may not be empty any more.
    EXPECT_FALSE(reads(R"({"type":"object","properties":{"s":{"type":"string","not":{"const":""}}}})",
                       R"({"type":"object","properties":{"s":{"type":"string"}}})"));
    // References inside `not` resolve in their own document.
    EXPECT_TRUE(reads(R"({"not":{"$ref":"#/$defs/i"},"$defs":{"i":{"type":"integer"}}})",
                      R"({"not":{"$ref":"#/definitions/n"},"definitions":{"n":{"type":"number"}}})"));
}

TEST(JsonSchemaCompat, Conditional) {
    auto cond = [](const char* if_, const char* then_, const char* else_) {
        std::string s = std::string(R"({"type":"object","if":)") + if_;
        if (then_ != nullptr) s += std::string(R"(,"then":)") + then_;
        if (else_ != nullptr) s += std::string(R"(,"else":)") + else_;
        return s + "}";
    };
    const char* is_a = R"({"properties":{"k":{"const":"a"}}})";
    const char* is_b = R"({"properties":{"k":{"const":"b"}}})";
    const char* req_x = R"({"required":["x"]})";
    const char* req_xy = R"({"required":["x","y"]})";
    EXPECT_TRUE(reads(cond(is_a, req_x, nullptr), cond(is_a, req_xy, nullptr)));    // a branch relaxed
    EXPECT_FALSE(reads(cond(is_a, req_xy, nullptr), cond(is_a, req_x, nullptr)));   // tightened
    EXPECT_FALSE(reads(cond(is_a, nullptr, req_x), cond(is_a, nullptr, nullptr)));  // else added
    EXPECT_FALSE(reads(cond(is_b, req_x, nullptr), cond(is_a, req_x, nullptr)));    // condition changed
    EXPECT_FALSE(reads(cond(is_a, req_x, nullptr), R"({"type":"object"})"));        // condition added
    EXPECT_TRUE(reads(R"({"type":"object"})", cond(is_a, req_x, nullptr)));         // removed
    EXPECT_TRUE(reads(cond(is_b, "{}", nullptr), R"({"type":"object"})"));          // constrains nothing
}

TEST(JsonSchemaCompat, Dependencies) {
    auto deps = [](const char* keyword, const char* value, const char* required = "[]") {
        return std::string(R"({"type":"object","properties":{"card":{},"billing":{},"zip":{}},"required":)") +
               required + R"(,")" + keyword + R"(":{"card":)" + value + "}}";
    };
    const char* plain = R"({"type":"object","properties":{"card":{},"billing":{},"zip":{}}})";
    EXPECT_FALSE(reads(deps("dependencies", R"(["billing"])"), plain));    // DEPENDENCY_ARRAY_ADDED
    EXPECT_TRUE(reads(plain, deps("dependencies", R"(["billing"])")));     // DEPENDENCY_ARRAY_REMOVED
    EXPECT_FALSE(reads(deps("dependentRequired", R"(["billing","zip"])"),  // DEPENDENCY_ARRAY_EXTENDED
                       deps("dependentRequired", R"(["billing"])")));
    EXPECT_TRUE(reads(deps("dependentRequired", R"(["billing"])"),  // DEPENDENCY_ARRAY_NARROWED
                      deps("dependencies", R"(["billing","zip"])")));
    // A name the writer always requires holds the dependency already.
    EXPECT_TRUE(reads(deps("dependencies", R"(["billing"])"), deps("dependencies", "[]", R"(["billing"])")));
    // Schema dependencies follow the usual rules.
    const char* needs_zip = R"({"required":["zip"]})";
    EXPECT_FALSE(reads(deps("dependentSchemas", needs_zip), plain));  // DEPENDENCY_SCHEMA_ADDED
    EXPECT_TRUE(reads(plain, deps("dependencies", needs_zip)));       // DEPENDENCY_SCHEMA_REMOVED
    EXPECT_TRUE(reads(deps("dependentSchemas", needs_zip), deps("dependencies", needs_zip)));
    EXPECT_FALSE(
        reads(deps("dependentSchemas", R"({"required":["zip","billing"]})"), deps("dependentSchemas", needs_zip)));
}

TEST(JsonSchemaCompat, PatternProperties) {
    auto obj = [](const char* patterns, const char* extra = "") {
        return std::string(R"({"type":"object","properties":{"id":{"type":"string"}},"patternProperties":)") +
               patterns + extra + "}";
    };
    const char* s_int = R"({"^s_":{"type":"integer"}})";
    const char* s_num = R"({"^s_":{"type":"number"}})";
    EXPECT_TRUE(reads(obj(s_int), obj(s_int)));
    EXPECT_TRUE(reads(obj(s_num), obj(s_int)));                             // the pattern's schema widened
    EXPECT_FALSE(reads(obj(s_int), obj(s_num)));                            // narrowed
    EXPECT_FALSE(reads(obj(R"({"^t_":{"type":"integer"}})"), obj(s_int)));  // another pattern: not judged
    // A property added that the writer wrote through its pattern.
    const std::string with_s_count =
        R"({"type":"object","properties":{"id":{"type":"string"},"s_count":{"type":"number"}},"patternProperties":)" +
        std::string(s_int) + "}";
    EXPECT_TRUE(reads(with_s_count, obj(s_int)));  // PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL
    const std::string with_s_text =
        R"({"type":"object","properties":{"id":{"type":"string"},"s_count":{"type":"string"}},"patternProperties":)" +
        std::string(s_int) + "}";
    EXPECT_FALSE(reads(with_s_text, obj(s_int)));  // PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL
    // A property the writer names, read through a reader pattern matching it.
    const char* named = R"({"type":"object","properties":{"id":{"type":"string"},"s_1":{"type":"integer"}}})";
    EXPECT_TRUE(reads(obj(s_num, R"(,"additionalProperties":false)"),
                      R"({"type":"object","properties":{"id":{"type":"string"},"s_1":{"type":"integer"}},)"
                      R"("additionalProperties":false})"));
    EXPECT_FALSE(reads(obj(R"({"^s_":{"type":"string"}})", R"(,"additionalProperties":false)"),
                       R"({"type":"object","properties":{"id":{"type":"string"},"s_1":{"type":"integer"}},)"
                       R"("additionalProperties":false})"));
    // Patterns added over an open writer narrow what it wrote; removed ones widen.
    EXPECT_FALSE(reads(obj(s_int), named));
    EXPECT_TRUE(reads(R"({"type":"object","properties":{"id":{"type":"string"}}})", obj(s_int)));
    EXPECT_FALSE(
        reads(R"({"type":"object","properties":{"id":{"type":"string"}},"additionalProperties":false})", obj(s_int)));
    EXPECT_TRUE(
        reads(R"({"type":"object","properties":{"id":{"type":"string"}},"additionalProperties":{}})", obj(s_int)));
    // A pattern that is not a regular expression is refused, never a crash.
    EXPECT_FALSE(reads(obj(R"({"(":{"type":"integer"}})"), named));
    EXPECT_FALSE(reads(with_s_count, obj(R"({"[":{"type":"integer"}})")));
}

// A hostile pattern (catastrophic backtracking) or a very long name is not
// judged, quickly, instead of hanging or overflowing the stack.
TEST(JsonSchemaCompat, HostilePatternsEndQuickly) {
    auto closed = [](const std::string& name) {
        return R"({"type":"object","properties":{")" + name + R"(":{"type":"integer"}},"additionalProperties":false})";
    };
    const std::string reader =
        R"({"type":"object","patternProperties":{"^(a|a?)+$":{"type":"number"}},"additionalProperties":false})";
    const auto started = std::chrono::steady_clock::now();
    EXPECT_FALSE(reads(reader, closed(std::string(100, 'a') + "b")));
    EXPECT_FALSE(reads(reader, closed(std::string(100'000, 'a'))));
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
    // The same pattern on a short name is judged as usual.
    EXPECT_TRUE(reads(reader, closed("aaa")));
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

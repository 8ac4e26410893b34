#pragma once
// JSON Schema compatibility, Confluent's way: a reader schema is compatible
// with a writer schema when every document the writer's schema accepts,
// the reader's accepts too. Checked keyword by keyword, recursively through
// `properties`, `additionalProperties` and `items` (Confluent's difference
// names in brackets):
//   - type: the reader's types cover the writer's; integer is covered by
//     number [TYPE_NARROWED, TYPE_CHANGED]; `false` reads nothing
//   - enum and const: the reader's values include the writer's
//     [ENUM_ARRAY_NARROWED, ENUM_ARRAY_CHANGED]
//   - a property only the reader has: refused when the writer's content
//     model is open (additionalProperties absent or true) unless its schema
//     is empty [PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL]; against a partially
//     open model (additionalProperties a schema) it must read that schema
//     [PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL]; against
//     a closed one it is fine
//   - a property only the writer has: refused when the reader's model is
//     closed [PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL], checked against
//     the reader's additionalProperties schema when partially open
//   - required: a name the reader requires and the writer did not, unless
//     the reader gives it a default [REQUIRED_ATTRIBUTE_ADDED]
//   - additionalProperties: open to closed or narrowed is refused
//     [ADDITIONAL_PROPERTIES_REMOVED, ADDITIONAL_PROPERTIES_NARROWED]
//   - bounds (maxLength, minLength, maximum, minimum, exclusiveMaximum,
//     exclusiveMinimum, maxItems, minItems, maxProperties, minProperties):
//     added or tightened is refused; pattern and multipleOf added or changed
//     (multipleOf to a divisor is fine); uniqueItems turned on
//   - annotations (title, description, default, examples, format, $schema,
//     $id, $comment, readOnly, writeOnly, deprecated) are ignored
//   - a schema that is only a oneOf, anyOf or allOf (annotations and
//     definitions aside), on either side: the combinator may only widen
//     (anything to anyOf, a singleton to oneOf, a singleton allOf to a
//     singleton allOf) [COMBINED_TYPE_CHANGED]; a oneOf/anyOf may gain
//     subschemas, not lose them [SUM_TYPE_NARROWED]; an allOf may lose
//     them, not gain them [PRODUCT_TYPE_EXTENDED]; and the writer's and
//     reader's subschemas must pair up (a maximum matching of compatible
//     pairs covering the smaller side; each pair checked once, at most
//     10,000 pairs, else refused as not checked)
//     [COMBINED_TYPE_SUBSCHEMAS_CHANGED].
//     A plain writer is read by a oneOf/anyOf with a member that reads it,
//     or a singleton combination; a singleton writer combination is its
//     one subschema [SUM_TYPE_EXTENDED, TYPE_CHANGED]
// Local references ("$ref": "#/definitions/x", "#/$defs/x", any JSON
// pointer into the same document) are followed on both sides; a recursive
// schema ends where a pair is already being checked.
// Beyond Confluent's list, soundly (every document the writer accepts, the
// reader accepts), refusing what cannot be shown:
//   - a combinator beside other keywords: both hold, so the other keywords
//     are checked as above and each reader combinator must read the
//     writer's combinator of that kind, another of its combinators, or the
//     rest of the writer
//   - not: the writer's negated schema must read the reader's
//     [NOT_TYPE_EXTENDED]; adding a `not` is refused
//   - if/then/else: with an identical `if`, each reader branch reads the
//     writer's; an `if` added or changed is refused (unless the reader's
//     branches accept anything)
//   - dependencies, dependentRequired, dependentSchemas: a name the reader
//     makes required with a property must be required with it by the
//     writer, or always [DEPENDENCY_ARRAY_ADDED/EXTENDED]; a dependent
//     schema must read the writer's [DEPENDENCY_SCHEMA_ADDED]
//   - patternProperties (ECMA-262 patterns, matched anywhere in a name): a
//     property added is checked against the writer's patterns matching its
//     name, a property the writer names against the reader's patterns
//     matching it; pattern by pattern when both sides have the same
//     patterns; patterns added over a writer that is not closed, or changed,
//     are refused (which names two patterns share is not computed)
// Keywords not listed (remote $ref, tuple items, contains, propertyNames,
// ...) are compared as values: identical is compatible, any change is
// refused with a message saying it is not checked here.
#include <boost/json/value.hpp>
#include <string>
#include <vector>

namespace sluice::broker::schema_registry::json_schema {

// Empty when compatible, else one message per problem, with its JSON path.
std::vector<std::string> incompatibilities(const boost::json::value& reader, const boost::json::value& writer);

}  // namespace sluice::broker::schema_registry::json_schema

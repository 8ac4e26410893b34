#pragma once
// An Avro schema parsed from its JSON form (Avro 1.11 specification) into a
// graph of nodes: records, enums, fixed, arrays, maps, unions, primitives.
// Named types are nodes referenced by index, so recursive records are a
// cycle in the graph, not an infinite tree.
//
// The parser refuses what Avro's Java parser refuses (the registry answers
// 42201 for it): unknown type names, invalid or duplicate names, duplicate
// fields or enum symbols, an enum default not among the symbols, nested
// unions or two branches of one type, a negative fixed size, and field
// defaults that do not match the field's type (a union's default matches
// its first branch).
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sluice::broker::schema_registry::avro {

enum class kind {
    null_type,
    boolean,
    int_type,
    long_type,
    float_type,
    double_type,
    bytes,
    string,
    record,
    enumeration,
    array,
    map,
    union_type,
    fixed
};

struct field {
    std::string name;
    int type = -1;  // node index
    std::optional<boost::json::value> default_value;
    std::vector<std::string> aliases;
};

struct node {
    kind type = kind::null_type;
    std::string full_name;             // named types only
    std::vector<std::string> aliases;  // full names
    std::vector<field> fields;         // record
    std::vector<std::string> symbols;  // enum
    std::optional<std::string> enum_default;
    int items = -1;             // array items, map values
    std::vector<int> branches;  // union
    int64_t size = 0;           // fixed
    std::string logical_type;   // kept, not interpreted
};

struct schema {
    std::vector<node> nodes;
    int root = -1;
    const node& at(int i) const { return nodes[static_cast<size_t>(i)]; }
    const node& top() const { return at(root); }
};

// The unqualified part of a full name.
std::string_view short_name(std::string_view full_name);

// Parses `text`; the named types of `references` (schemas of referenced
// subjects, parsed first, in order) may be used by name. The error is a
// message for the client.
std::variant<schema, std::string> parse(std::string_view text, const std::vector<std::string>& references = {});

// Avro's Parsing Canonical Form (the specification's transformation:
// full names, only the attributes that matter for reading, fixed order).
std::string parsing_canonical_form(const schema& s);

}  // namespace sluice::broker::schema_registry::avro

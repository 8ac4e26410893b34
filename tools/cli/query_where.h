#pragma once
// `sluice query --where 'a.b>=10'`: one condition on a field of JSON values,
// turned into the "value" part of a POST /v1/query body
// (broker/http/query_filter.h): {"a.b": {"gte": 10}}.
#include <boost/json/object.hpp>
#include <string_view>

namespace sluice::tools {

// Adds the condition to `value` (the body's "value" object). Operators:
// = or == (eq), != (ne), <, <=, >, >=. The operand is read as JSON when it
// is JSON (10, 2.5, true, null, "quoted") and as a string otherwise, so
// `kind=deposit` compares with the string "deposit". usage_error when there
// is no operator or no field.
void add_where(boost::json::object& value, std::string_view condition);

}  // namespace sluice::tools

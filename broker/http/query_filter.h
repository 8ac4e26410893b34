#pragma once
// The filter of POST /v1/query (http/query.h): parsed from its JSON body,
// checked strictly (unknown fields, wrong types and bad ranges refused with
// the reason), and matched against decoded records. Pure, unit-tested alone.
//
// Body (every field but "topic" optional):
//   {"topic": "t", "partitions": [0, 2],
//    "keys": ["k1", "k2"] | "key_prefix": "acc-",
//    "from_offset": 0, "to_offset": 100,                 // [from, to)
//    "event_time": {"from": ms, "to": ms},               // [from, to)
//    "ingestion_time": {"from": ms, "to": ms},           // refused: not supported yet
//    "headers": {"name": "value"},                       // each present with that value
//    "value": {"a.b": {"gte": 10, "lt": 20}, "type": {"eq": "deposit"}},
//    "limit": 1000, "max_bytes_scanned": 67108864,
//    "allow_scan": false,                                // keys without the key index
//    "resume": {"0": 120, "2": 77}}                      // a summary's "next"
// Value conditions apply to values that parse as a JSON object: the field
// path is split at '.', each operator (eq ne lt lte gt gte) compares a number
// with a number (as numbers), a string with a string (bytewise), and eq/ne
// also booleans and null. A missing field, a value that is not JSON, or an
// ordering between different types does not match; ne of different types does.
#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "protocol/record_batch.h"

namespace sluice::broker::http {

inline constexpr int64_t query_default_limit = 1000;
inline constexpr int64_t query_max_limit = 1000000;
inline constexpr size_t query_max_keys = 1000;

enum class compare_op { eq, ne, lt, lte, gt, gte };

struct value_condition {
    std::vector<std::string> path;  // "a.b" as {"a", "b"}
    compare_op op = compare_op::eq;
    boost::json::value operand;  // number, string (any op); bool, null (eq, ne)
};

struct query_filter {
    std::string topic;
    std::optional<std::vector<int32_t>> partitions;  // ascending, distinct
    std::vector<std::string> keys;                   // distinct, in the order given
    std::optional<std::string> key_prefix;
    int64_t from_offset = 0;
    std::optional<int64_t> to_offset;  // exclusive
    std::optional<int64_t> event_time_from, event_time_to;
    std::vector<std::pair<std::string, std::string>> headers;
    std::vector<value_condition> value_conditions;
    int64_t limit = query_default_limit;
    std::optional<uint64_t> max_bytes_scanned;
    bool allow_scan = false;
    std::map<int32_t, int64_t> resume;

    bool any_time_or_content_filter() const {
        return event_time_from || event_time_to || !headers.empty() || !value_conditions.empty();
    }
};

// The filter, or why the body is refused (a message for INVALID_REQUEST).
std::variant<query_filter, std::string> parse_query_filter(std::string_view body);

// Whether a record passes the key, event-time, header and value conditions
// (offsets are the scan's business).
bool matches(const query_filter& f, const protocol::record& r);
bool matches_value(const std::vector<value_condition>& conditions, const std::optional<protocol::bytes>& value);

}  // namespace sluice::broker::http

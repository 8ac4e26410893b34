#pragma once
// `--json`: every broker command can print one JSON document on stdout
// instead of its text. Commands build the same `table` they print as text
// and hand it here, so column names and values cannot drift between the two
// forms; nothing else in the CLI formats JSON by hand.
//
// Errors in JSON mode go to stderr as
//   {"error": "<KAFKA_ERROR_NAME>", "code": <kafka code>, "message": "..."}
// with "code": null and "error" USAGE_ERROR / COMMAND_FAILED when the failure
// is not a Kafka error code (bad command line, unreachable broker).
#include <boost/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "tools/cli/args.h"
#include "tools/cli/table.h"

namespace sluice::tools {

option_spec json_option();
bool json_requested(const parsed_args& args);

// "LOG-END-OFFSET" -> "log_end_offset", "#MEMBERS" -> "members".
std::string json_key(std::string_view header);

// A table cell as JSON: a decimal integer becomes a number, "-" (Kafka's
// "no value") becomes null, anything else stays a string.
boost::json::value json_cell(const std::string& cell);

// "0,1,2" -> [0, 1, 2]; "-" or "" -> [].
boost::json::array json_list(const std::string& cell);

// One object per row, keyed by json_key(header), each cell rendered as its
// column's table::json_kind says.
boost::json::array json_rows(const table& t);

// Serializes `doc` on one line followed by a newline.
void print_json(std::ostream& out, const boost::json::value& doc);

boost::json::object json_error(std::string_view name, std::optional<int> code, std::string_view message);

// Prints `text` (plus a newline), or with --json the object {"message": text}
// merged into `extra`.
void print_result(const parsed_args& args, const std::string& text, boost::json::object extra = {});

}  // namespace sluice::tools

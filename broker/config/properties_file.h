#pragma once
// A reader for Java .properties text, as Kafka's server.properties is read
// (java.util.Properties#load): comment lines start with '#' or '!'; a key ends
// at the first unescaped '=', ':' or whitespace; a line ending in an odd number
// of backslashes continues on the next (whose leading whitespace is dropped);
// escapes \t \n \r \f \uXXXX, and any other escaped character stands for
// itself (\\ \= \: \# \ ). Values are trimmed, as Kafka's ConfigDef trims them.
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::broker {

// Key/value pairs in file order; a later duplicate key wins when applied.
using property_list = std::vector<std::pair<std::string, std::string>>;

property_list parse_properties(std::string_view text);

// Reads and parses a file; throws config_error if it cannot be read.
property_list read_properties_file(const std::filesystem::path& path);

}  // namespace sluice::broker

#include "tools/cli/query_where.h"

#include <boost/json/parse.hpp>
#include <string>

#include "tools/cli/cli_error.h"

namespace sluice::tools {

namespace json = boost::json;

void add_where(json::object& value, std::string_view condition) {
    const size_t at = condition.find_first_of("<>=!");
    if (at == std::string_view::npos) {
        throw usage_error("--where needs FIELD OP VALUE with OP one of = != < <= > >=, not '" + std::string(condition) +
                          "'");
    }
    std::string_view field = condition.substr(0, at);
    while (!field.empty() && field.back() == ' ')
        field.remove_suffix(1);
    while (!field.empty() && field.front() == ' ')
        field.remove_prefix(1);
    if (field.empty()) throw usage_error("--where '" + std::string(condition) + "' names no field");
    std::string_view rest = condition.substr(at);
    const char* op = nullptr;
    size_t op_length = 2;
    if (rest.starts_with(">=")) {
        op = "gte";
    } else if (rest.starts_with("<=")) {
        op = "lte";
    } else if (rest.starts_with("!=")) {
        op = "ne";
    } else if (rest.starts_with("==")) {
        op = "eq";
    } else if (rest.starts_with(">")) {
        op = "gt", op_length = 1;
    } else if (rest.starts_with("<")) {
        op = "lt", op_length = 1;
    } else if (rest.starts_with("=")) {
        op = "eq", op_length = 1;
    } else {
        throw usage_error("--where '" + std::string(condition) + "': unknown operator");
    }
    std::string_view text = rest.substr(op_length);
    while (!text.empty() && text.front() == ' ')
        text.remove_prefix(1);
    boost::system::error_code ec;
    json::value operand = json::parse(text, ec);
    if (ec || operand.is_object() || operand.is_array()) operand = json::string(text);
    auto& ops = value[field];
    if (!ops.is_object()) ops = json::object();
    ops.as_object()[op] = operand;
}

}  // namespace sluice::tools

#include "tools/cli/json_output.h"

#include <cctype>
#include <charconv>
#include <iostream>

namespace sluice::tools {

option_spec json_option() { return {"", "--json", "", "print one JSON document instead of text"}; }

bool json_requested(const parsed_args& args) { return args.has("--json"); }

std::string json_key(std::string_view header) {
    std::string out;
    for (char c : header) {
        unsigned char u = static_cast<unsigned char>(c);
        if (std::isalnum(u)) {
            out += static_cast<char>(std::tolower(u));
        } else if ((c == '-' || c == ' ' || c == ':' || c == '_') && !out.empty() && out.back() != '_') {
            out += '_';
        }
    }
    while (!out.empty() && out.back() == '_')
        out.pop_back();
    return out;
}

boost::json::value json_cell(const std::string& cell) {
    if (cell == "-") return nullptr;
    int64_t v = 0;
    const char* begin = cell.data();
    const char* end = begin + cell.size();
    // Leading zeros or '+' would not round-trip, so such cells stay strings.
    bool canonical =
        !cell.empty() && (cell == "0" || (cell[0] != '0' && !(cell[0] == '-' && cell.size() > 1 && cell[1] == '0')));
    if (canonical) {
        auto [p, ec] = std::from_chars(begin, end, v);
        if (ec == std::errc{} && p == end) return v;
    }
    return boost::json::string(cell);
}

boost::json::array json_list(const std::string& cell) {
    boost::json::array out;
    if (cell == "-" || cell.empty()) return out;
    size_t start = 0;
    while (true) {
        size_t comma = cell.find(',', start);
        out.push_back(json_cell(cell.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
        if (comma == std::string::npos) return out;
        start = comma + 1;
    }
}

boost::json::array json_rows(const table& t) {
    std::vector<std::string> keys;
    for (const auto& h : t.headers())
        keys.push_back(json_key(h));
    boost::json::array rows;
    for (const auto& r : t.rows()) {
        boost::json::object o;
        for (size_t i = 0; i < keys.size(); ++i) {
            if (i >= r.size()) {
                o[keys[i]] = nullptr;
                continue;
            }
            switch (t.json_kind_of(t.headers()[i])) {
                case table::json_kind::list:
                    o[keys[i]] = json_list(r[i]);
                    break;
                case table::json_kind::text:
                    o[keys[i]] = r[i];
                    break;
                case table::json_kind::flag:
                    if (r[i] == "true" || r[i] == "yes") {
                        o[keys[i]] = true;
                    } else if (r[i] == "false" || r[i] == "no") {
                        o[keys[i]] = false;
                    } else {
                        o[keys[i]] = json_cell(r[i]);
                    }
                    break;
                case table::json_kind::automatic:
                    o[keys[i]] = json_cell(r[i]);
                    break;
            }
        }
        rows.push_back(std::move(o));
    }
    return rows;
}

void print_json(std::ostream& out, const boost::json::value& doc) { out << boost::json::serialize(doc) << '\n'; }

boost::json::object json_error(std::string_view name, std::optional<int> code, std::string_view message) {
    boost::json::object o;
    o["error"] = name;
    if (code) {
        o["code"] = *code;
    } else {
        o["code"] = nullptr;
    }
    o["message"] = message;
    return o;
}

void print_result(const parsed_args& args, const std::string& text, boost::json::object extra) {
    if (!json_requested(args)) {
        std::cout << text << '\n';
        return;
    }
    extra["message"] = text;
    print_json(std::cout, extra);
}

}  // namespace sluice::tools

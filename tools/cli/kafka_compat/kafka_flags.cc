#include "tools/cli/kafka_compat/kafka_flags.h"

#include <algorithm>
#include <charconv>

namespace sluice::tools::kafka_compat {

std::optional<std::string> flag_values::get(std::string_view name) const {
    auto it = values_.find(name);
    if (it == values_.end() || it->second.empty() || it->second.back().empty()) return std::nullopt;
    return it->second.back();
}

std::vector<std::string> flag_values::all(std::string_view name) const {
    auto it = values_.find(name);
    std::vector<std::string> out;
    if (it != values_.end()) {
        for (const auto& v : it->second) {
            if (!v.empty()) out.push_back(v);
        }
    }
    return out;
}

std::string flag_values::require(std::string_view name) const {
    auto v = get(name);
    if (!v) throw flag_error("Missing required argument \"[" + std::string(name) + "]\"");
    return *v;
}

flag_values parse_flags(std::span<const flag> flags, std::span<const std::string> argv) {
    flag_values out;
    for (size_t i = 0; i < argv.size(); ++i) {
        std::string_view arg = argv[i];
        if (arg == "--") {
            if (i + 1 < argv.size()) throw flag_error("Found non-option argument '" + argv[i + 1] + "'");
            break;
        }
        if (!arg.starts_with("--") || arg.size() == 2) {
            throw flag_error("Found non-option argument '" + std::string(arg) + "'");
        }
        std::string_view name = arg.substr(2);
        std::optional<std::string> inline_value;
        if (auto eq = name.find('='); eq != std::string_view::npos) {
            inline_value = std::string(name.substr(eq + 1));
            name = name.substr(0, eq);
        }
        auto f = std::find_if(flags.begin(), flags.end(), [&](const flag& x) { return x.name == name; });
        if (f == flags.end()) throw flag_error(std::string(name) + " is not a recognized option");
        auto& slot = out.values_[std::string(name)];
        switch (f->kind) {
            case value_kind::none:
                if (inline_value) throw flag_error("Option " + std::string(name) + " does not take an argument");
                slot.emplace_back();
                break;
            case value_kind::required:
                // As joptsimple: the next token is the value, whatever it looks like.
                if (inline_value) {
                    slot.push_back(*inline_value);
                } else if (i + 1 < argv.size()) {
                    slot.push_back(argv[++i]);
                } else {
                    throw flag_error("Option " + std::string(name) + " requires an argument");
                }
                break;
            case value_kind::optional:
                if (inline_value) {
                    slot.push_back(*inline_value);
                } else if (i + 1 < argv.size() && !argv[i + 1].starts_with("--")) {
                    slot.push_back(argv[++i]);
                } else {
                    slot.emplace_back();
                }
                break;
        }
        out.order_.emplace_back(std::string(name), slot.back());
    }
    return out;
}

std::string usage_text(std::string_view description, std::span<const flag> flags) {
    std::string out = std::string(description) + "\n";
    std::vector<std::string> lefts;
    size_t width = std::string_view("Option").size();
    for (const auto& f : flags) {
        std::string left = "--" + std::string(f.name);
        if (f.kind == value_kind::required) left += " <String>";
        if (f.kind == value_kind::optional) left += " [String]";
        width = std::max(width, left.size());
        lefts.push_back(std::move(left));
    }
    out += "Option" + std::string(width - 6 + 2, ' ') + "Description\n";
    out += "------" + std::string(width - 6 + 2, ' ') + "-----------\n";
    for (size_t i = 0; i < flags.size(); ++i) {
        out += lefts[i] + std::string(width - lefts[i].size() + 2, ' ') + std::string(flags[i].help) + "\n";
    }
    return out;
}

std::string_view one_action(const flag_values& v, std::initializer_list<std::string_view> names) {
    std::string_view found;
    size_t count = 0;
    std::string list;
    for (auto n : names) {
        if (!list.empty()) list += ", ";
        list += "--" + std::string(n);
        if (v.has(n)) {
            found = n;
            ++count;
        }
    }
    if (count != 1) throw flag_error("Command must include exactly one action: " + list);
    return found;
}

long long int_value(std::string_view text, std::string_view option, long long min, long long max) {
    long long v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) {
        throw flag_error("Cannot parse argument '" + std::string(text) + "' of option " + std::string(option));
    }
    if (v < min || v > max) {
        throw flag_error("The value of option " + std::string(option) + " must be in [" + std::to_string(min) + ", " +
                         std::to_string(max) + "], got " + std::to_string(v));
    }
    return v;
}

}  // namespace sluice::tools::kafka_compat

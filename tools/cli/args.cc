#include "tools/cli/args.h"

#include <algorithm>
#include <charconv>

#include "tools/cli/cli_error.h"

namespace sluice::tools {

bool parsed_args::has(std::string_view long_name) const { return values_.find(long_name) != values_.end(); }

std::optional<std::string> parsed_args::get(std::string_view long_name) const {
    auto it = values_.find(long_name);
    if (it == values_.end() || it->second.empty()) return std::nullopt;
    return it->second.back();
}

std::vector<std::string> parsed_args::all(std::string_view long_name) const {
    auto it = values_.find(long_name);
    return it == values_.end() ? std::vector<std::string>{} : it->second;
}

namespace {

const option_spec* find_option(const command_spec& spec, std::string_view name) {
    for (const auto& o : spec.options) {
        if (name == o.long_name || (!o.short_name.empty() && name == o.short_name)) return &o;
    }
    return nullptr;
}

}  // namespace

parsed_args parse(const command_spec& spec, std::span<const std::string> argv) {
    parsed_args out;
    bool options_done = false;
    for (size_t i = 0; i < argv.size(); ++i) {
        const std::string& arg = argv[i];
        if (options_done || arg.size() < 2 || arg[0] != '-') {
            out.positionals_.push_back(arg);
            continue;
        }
        if (arg == "--") {
            options_done = true;
            continue;
        }
        if (arg == "-h" || arg == "--help") {
            out.help = true;
            continue;
        }
        std::string_view name = arg;
        std::optional<std::string> inline_value;
        if (auto eq = name.find('='); name.starts_with("--") && eq != std::string_view::npos) {
            inline_value = std::string(name.substr(eq + 1));
            name = name.substr(0, eq);
        }
        const option_spec* o = find_option(spec, name);
        if (o == nullptr) throw usage_error("unknown option '" + std::string(name) + "'");
        std::string key(o->long_name);
        auto& slot = out.values_[key];
        if (!slot.empty() && !o->repeatable) throw usage_error("option " + key + " given more than once");
        if (o->value_name.empty()) {
            if (inline_value) throw usage_error("option " + key + " takes no value");
            slot.push_back("");
            continue;
        }
        if (inline_value) {
            slot.push_back(*inline_value);
        } else if (i + 1 < argv.size()) {
            slot.push_back(argv[++i]);
        } else {
            throw usage_error("option " + key + " needs a value (" + std::string(o->value_name) + ")");
        }
    }
    if (!out.help) {
        size_t n = out.positionals_.size();
        if (n < spec.min_positionals) throw usage_error("missing argument; usage: " + std::string(spec.usage));
        if (n > spec.max_positionals) throw usage_error("unexpected argument '" + out.positionals_[spec.max_positionals] + "'");
    }
    return out;
}

std::string help_text(const command_spec& spec) {
    std::string out = "usage: " + std::string(spec.usage) + "\n\n" + std::string(spec.description) + "\n";
    if (!spec.positionals_help.empty()) out.append("\n").append(spec.positionals_help).append("\n");
    if (!spec.options.empty()) out += "\noptions:\n";
    std::vector<std::string> lefts;
    size_t width = 0;
    for (const auto& o : spec.options) {
        std::string left = "  ";
        left += o.short_name.empty() ? "    " : std::string(o.short_name) + ", ";
        left += o.long_name;
        if (!o.value_name.empty()) left.append(" ").append(o.value_name);
        width = std::max(width, left.size());
        lefts.push_back(std::move(left));
    }
    for (size_t i = 0; i < spec.options.size(); ++i) {
        out += lefts[i] + std::string(width - lefts[i].size() + 2, ' ') + std::string(spec.options[i].help);
        if (spec.options[i].repeatable) out += " (repeatable)";
        out += "\n";
    }
    const std::string help_left = "  -h, --help";
    out += help_left + std::string(std::max(width, help_left.size()) - help_left.size() + 2, ' ') + "show this help\n";
    return out;
}

std::string require(const parsed_args& args, std::string_view long_name) {
    auto v = args.get(long_name);
    if (!v) throw usage_error("option " + std::string(long_name) + " is required");
    return *v;
}

long long parse_int(std::string_view text, std::string_view what, long long min, long long max) {
    long long v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) {
        throw usage_error(std::string(what) + ": '" + std::string(text) + "' is not an integer");
    }
    if (v < min || v > max) {
        throw usage_error(std::string(what) + ": " + std::to_string(v) + " is out of range [" + std::to_string(min) +
                          ", " + std::to_string(max) + "]");
    }
    return v;
}

std::pair<std::string, std::string> parse_key_value(std::string_view text) {
    auto eq = text.find('=');
    if (eq == std::string_view::npos || eq == 0) {
        throw usage_error("expected key=value, got '" + std::string(text) + "'");
    }
    return {std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

}  // namespace sluice::tools

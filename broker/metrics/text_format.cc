#include "broker/metrics/text_format.h"

#include <charconv>
#include <cmath>

namespace sluice::broker::metrics {

std::string escape_label_value(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '"':
                out += "\\\"";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string escape_help(std::string_view v) {
    std::string out;
    for (char c : v) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string format_number(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, end);
}

void text_writer::family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += escape_help(help);
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
}

void text_writer::head(std::string_view name, std::initializer_list<label> labels) {
    out_ += name;
    if (labels.size() > 0) {
        out_ += '{';
        bool first = true;
        for (const auto& [k, v] : labels) {
            if (!first) out_ += ',';
            first = false;
            out_ += k;
            out_ += "=\"";
            out_ += escape_label_value(v);
            out_ += '"';
        }
        out_ += '}';
    }
    out_ += ' ';
}

void text_writer::sample(std::string_view name, std::initializer_list<label> labels, double value) {
    head(name, labels);
    out_ += format_number(value);
    out_ += '\n';
}

void text_writer::sample(std::string_view name, std::initializer_list<label> labels, uint64_t value) {
    head(name, labels);
    out_ += std::to_string(value);
    out_ += '\n';
}

void text_writer::sample(std::string_view name, std::initializer_list<label> labels, int64_t value) {
    head(name, labels);
    out_ += std::to_string(value);
    out_ += '\n';
}

}  // namespace sluice::broker::metrics

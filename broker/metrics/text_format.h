#pragma once
// Writes the Prometheus text exposition format, version 0.0.4: per family a
// "# HELP" and a "# TYPE" line, then its samples
// `name{label="value",...} number`. Label values are escaped (backslash,
// double quote, newline) so a topic or group name cannot break a line.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace sluice::broker::metrics {

using label = std::pair<std::string_view, std::string_view>;

class text_writer {
public:
    // Starts a family; `type` is counter, gauge or histogram.
    void family(std::string_view name, std::string_view type, std::string_view help);
    void sample(std::string_view name, std::initializer_list<label> labels, double value);
    void sample(std::string_view name, std::initializer_list<label> labels, uint64_t value);
    void sample(std::string_view name, std::initializer_list<label> labels, int64_t value);

    std::string& text() { return out_; }
    static constexpr std::string_view content_type = "text/plain; version=0.0.4; charset=utf-8";

private:
    void head(std::string_view name, std::initializer_list<label> labels);
    std::string out_;
};

// The label value as it goes between the quotes.
std::string escape_label_value(std::string_view v);
// HELP text escaping: backslash and newline.
std::string escape_help(std::string_view v);
// A double as Prometheus reads it (+Inf, -Inf, NaN, shortest round trip).
std::string format_number(double v);

}  // namespace sluice::broker::metrics

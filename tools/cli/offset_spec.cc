#include "tools/cli/offset_spec.h"

#include <cctype>
#include <charconv>

namespace sluice::tools {

namespace {

// Reads exactly `digits` decimal digits at `pos`.
std::optional<int> fixed_digits(std::string_view text, size_t& pos, size_t digits) {
    if (pos + digits > text.size()) return std::nullopt;
    int v = 0;
    for (size_t i = 0; i < digits; ++i) {
        char c = text[pos + i];
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
    }
    pos += digits;
    return v;
}

bool expect(std::string_view text, size_t& pos, char c) {
    if (pos >= text.size() || text[pos] != c) return false;
    ++pos;
    return true;
}

// Days from 1970-01-01 to the given civil date (proleptic Gregorian).
int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2 ? 1 : 0;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int days_in_month(int y, int m) {
    static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

// The zone suffix as an offset east of UTC in minutes.
std::optional<int> parse_zone(std::string_view zone) {
    if (zone.empty() || zone == "Z") return 0;
    if (zone[0] != '+' && zone[0] != '-') return std::nullopt;
    int sign = zone[0] == '-' ? -1 : 1;
    size_t pos = 1;
    auto hh = fixed_digits(zone, pos, 2);
    if (!hh || *hh > 23) return std::nullopt;
    int mm = 0;
    if (pos < zone.size()) {
        if (zone[pos] == ':') ++pos;
        auto m = fixed_digits(zone, pos, 2);
        if (!m || *m > 59) return std::nullopt;
        mm = *m;
    }
    if (pos != zone.size()) return std::nullopt;
    return sign * (*hh * 60 + mm);
}

}  // namespace

std::optional<int64_t> parse_kafka_datetime(std::string_view text) {
    size_t pos = 0;
    auto year = fixed_digits(text, pos, 4);
    if (!year || !expect(text, pos, '-')) return std::nullopt;
    auto month = fixed_digits(text, pos, 2);
    if (!month || !expect(text, pos, '-')) return std::nullopt;
    auto day = fixed_digits(text, pos, 2);
    if (!day || !expect(text, pos, 'T')) return std::nullopt;
    auto hour = fixed_digits(text, pos, 2);
    if (!hour || !expect(text, pos, ':')) return std::nullopt;
    auto minute = fixed_digits(text, pos, 2);
    if (!minute || !expect(text, pos, ':')) return std::nullopt;
    auto second = fixed_digits(text, pos, 2);
    if (!second || !expect(text, pos, '.')) return std::nullopt;
    // SimpleDateFormat's "SSS" reads the digits as a number of milliseconds.
    size_t frac_start = pos;
    while (pos < text.size() && pos - frac_start < 3 && std::isdigit(static_cast<unsigned char>(text[pos])))
        ++pos;
    if (pos == frac_start) return std::nullopt;
    int millis = 0;
    std::from_chars(text.data() + frac_start, text.data() + pos, millis);
    auto zone = parse_zone(text.substr(pos));
    if (!zone) return std::nullopt;
    if (*month < 1 || *month > 12 || *day < 1 || *day > days_in_month(*year, *month) || *hour > 23 || *minute > 59 ||
        *second > 59) {
        return std::nullopt;
    }
    int64_t seconds = days_from_civil(*year, *month, *day) * 86400 + *hour * 3600 + *minute * 60 + *second;
    return (seconds - int64_t{*zone} * 60) * 1000 + millis;
}

std::optional<int64_t> parse_iso_duration_ms(std::string_view text) {
    size_t pos = 0;
    int64_t sign = 1;
    if (pos < text.size() && (text[pos] == '-' || text[pos] == '+')) sign = text[pos++] == '-' ? -1 : 1;
    if (pos >= text.size() || std::toupper(static_cast<unsigned char>(text[pos])) != 'P') return std::nullopt;
    ++pos;
    // Units in the order Duration.parse requires them; D before T, H M S after.
    struct unit {
        char letter;
        bool after_t;
        int64_t ms;
    };
    static constexpr unit units[] = {
        {'D', false, 86400000}, {'H', true, 3600000}, {'M', true, 60000}, {'S', true, 1000}};
    size_t next_unit = 0;
    bool in_time = false;
    bool any = false;
    bool any_after_t = false;
    __int128 total = 0;
    while (pos < text.size()) {
        if (std::toupper(static_cast<unsigned char>(text[pos])) == 'T') {
            if (in_time) return std::nullopt;
            in_time = true;
            ++pos;
            continue;
        }
        int64_t component_sign = 1;
        if (text[pos] == '-' || text[pos] == '+') component_sign = text[pos++] == '-' ? -1 : 1;
        size_t digits_start = pos;
        while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])))
            ++pos;
        if (pos == digits_start || pos - digits_start > 18) return std::nullopt;
        int64_t whole = 0;
        std::from_chars(text.data() + digits_start, text.data() + pos, whole);
        int64_t fraction_ms = 0;
        bool has_fraction = false;
        if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
            has_fraction = true;
            ++pos;
            size_t f = pos;
            while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])))
                ++pos;
            if (pos == f || pos - f > 9) return std::nullopt;
            int64_t scale = 100;
            for (size_t i = f; i < pos && i < f + 3; ++i, scale /= 10)
                fraction_ms += (text[i] - '0') * scale;
        }
        if (pos >= text.size()) return std::nullopt;
        char letter = static_cast<char>(std::toupper(static_cast<unsigned char>(text[pos++])));
        size_t u = next_unit;
        while (u < std::size(units) && units[u].letter != letter)
            ++u;
        if (u == std::size(units) || units[u].after_t != in_time) return std::nullopt;
        if (has_fraction && letter != 'S') return std::nullopt;  // only seconds take a fraction
        next_unit = u + 1;
        total += static_cast<__int128>(component_sign) * (static_cast<__int128>(whole) * units[u].ms + fraction_ms);
        any = true;
        any_after_t = any_after_t || in_time;
    }
    if (!any || (in_time && !any_after_t)) return std::nullopt;
    total *= sign;
    if (total > INT64_MAX || total < INT64_MIN) return std::nullopt;
    return static_cast<int64_t>(total);
}

}  // namespace sluice::tools

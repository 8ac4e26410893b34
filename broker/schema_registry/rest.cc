#include "broker/schema_registry/rest.h"

#include <boost/json/serialize.hpp>
#include <cctype>
#include <charconv>

namespace sluice::broker::schema_registry {

namespace json = boost::json;

namespace {

std::optional<std::string> decode(std::string_view s, bool plus_is_space) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%') {
            if (i + 2 >= s.size()) return std::nullopt;
            int v = 0;
            auto [p, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
            if (ec != std::errc() || p != s.data() + i + 3) return std::nullopt;
            out += static_cast<char>(v);
            i += 2;
        } else if (plus_is_space && s[i] == '+') {
            out += ' ';
        } else {
            out += s[i];
        }
    }
    return out;
}

}  // namespace

bool accepted_content_type(std::string_view type) {
    std::string t(type.substr(0, type.find(';')));
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t'))
        t.pop_back();
    for (char& c : t)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return t.empty() || t == "application/vnd.schemaregistry.v1+json" || t == "application/vnd.schemaregistry+json" ||
           t == "application/json" || t == "application/octet-stream";
}

http::answer json_answer(const json::value& body, unsigned status) {
    http::answer a;
    a.status = status;
    a.content_type = std::string(content_type);
    a.body = json::serialize(body);
    return a;
}

http::answer error_answer(int code, std::string message) {
    const unsigned status = code >= 1000 ? static_cast<unsigned>(code / 100) : static_cast<unsigned>(code);
    return json_answer(json::object{{"error_code", code}, {"message", std::move(message)}}, status);
}

bool target::flag(std::string_view name) const {
    auto it = query.find(name);
    if (it == query.end()) return false;
    std::string v = it->second;
    for (char& c : v)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return v == "true";
}

std::optional<target> parse_target(std::string_view raw) {
    target t;
    const auto q = raw.find('?');
    std::string_view path = raw.substr(0, q);
    size_t start = 0;
    while (start < path.size()) {
        auto slash = path.find('/', start);
        if (slash == std::string_view::npos) slash = path.size();
        if (slash > start) {
            auto seg = decode(path.substr(start, slash - start), false);
            if (!seg) return std::nullopt;
            t.path.push_back(std::move(*seg));
        }
        start = slash + 1;
    }
    if (q == std::string_view::npos) return t;
    std::string_view query = raw.substr(q + 1);
    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        const auto eq = pair.find('=');
        auto k = decode(pair.substr(0, eq), true);
        auto v = decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
        if (!k || !v) return std::nullopt;
        t.query[*k] = *v;
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return t;
}

std::optional<int32_t> parse_version(std::string_view v) {
    if (v == "latest") return 0;
    int64_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || p != v.data() + v.size()) return std::nullopt;
    if (n == -1) return 0;
    if (n < 1 || n > INT32_MAX) return std::nullopt;
    return static_cast<int32_t>(n);
}

std::string invalid_version_message(std::string_view v) {
    return "The specified version '" + std::string(v) +
           "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"";
}

}  // namespace sluice::broker::schema_registry

#include "broker/http/console/api_support.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>

namespace sluice::broker::http::console {

using protocol::error_code;

namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Query values take '+' for a space, as forms send them; path segments do not.
std::optional<std::string> percent_decode(std::string_view in, bool plus_is_space) {
    std::string out;
    out.reserve(in.size());
    for (size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '%') {
            if (i + 2 >= in.size()) return std::nullopt;
            int hi = hex_digit(in[i + 1]), lo = hex_digit(in[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else if (in[i] == '+' && plus_is_space) {
            out.push_back(' ');
        } else {
            out.push_back(in[i]);
        }
    }
    return out;
}

}  // namespace

std::optional<api_target> parse_api_target(std::string_view target, std::string& error, std::string_view prefix) {
    const size_t q = target.find('?');
    std::string_view path = target.substr(0, q);
    if (!path.starts_with(prefix) || path.size() == prefix.size()) {
        error = "no such API path";
        return std::nullopt;
    }
    api_target out;
    std::string_view rest = path.substr(prefix.size());
    if (rest.ends_with('/')) rest.remove_suffix(1);
    while (true) {
        const size_t slash = rest.find('/');
        std::string_view raw = rest.substr(0, slash);
        auto seg = percent_decode(raw, false);
        if (!seg || seg->empty()) {
            error = seg ? "empty path segment" : "bad percent-encoding in the path";
            return std::nullopt;
        }
        out.segments.push_back(std::move(*seg));
        if (slash == std::string_view::npos) break;
        rest = rest.substr(slash + 1);
    }
    if (q == std::string_view::npos) return out;
    std::string_view query = target.substr(q + 1);
    while (!query.empty()) {
        const size_t amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (pair.empty()) continue;
        const size_t eq = pair.find('=');
        auto name = percent_decode(pair.substr(0, eq), true);
        auto value = percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
        if (!name || !value) {
            error = "bad percent-encoding in the query";
            return std::nullopt;
        }
        if (!out.query.emplace(std::move(*name), std::move(*value)).second) {
            error = "query parameter given twice";
            return std::nullopt;
        }
    }
    return out;
}

std::optional<int64_t> parse_int(std::string_view text, int64_t min, int64_t max) {
    int64_t v = 0;
    if (text.empty()) return std::nullopt;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max) return std::nullopt;
    return v;
}

unsigned http_status_of(error_code e) {
    switch (e) {
        case error_code::unknown_topic_or_partition:
        case error_code::unknown_topic_id:
        case error_code::group_id_not_found:
            return 404;
        case error_code::topic_already_exists:
        case error_code::non_empty_group:
            return 409;
        case error_code::offset_out_of_range:
            return 416;
        case error_code::not_leader_or_follower:
        case error_code::not_coordinator:
            return 421;
        case error_code::topic_authorization_failed:
        case error_code::group_authorization_failed:
        case error_code::cluster_authorization_failed:
        case error_code::topic_deletion_disabled:
        case error_code::policy_violation:
            return 403;
        case error_code::coordinator_load_in_progress:
        case error_code::coordinator_not_available:
        case error_code::leader_not_available:
        case error_code::throttling_quota_exceeded:
        case error_code::not_controller:
            return 503;
        case error_code::request_timed_out:
            return 504;
        case error_code::unknown_server_error:
        case error_code::kafka_storage_error:
            return 500;
        default:
            return 400;  // invalid_* and the other refusals of what was asked
    }
}

answer json_answer(unsigned status, const boost::json::value& v) {
    answer a;
    a.status = status;
    a.content_type = "application/json";
    a.body = boost::json::serialize(v);
    a.body.push_back('\n');
    return a;
}

answer api_error(unsigned status, error_code e, std::string_view message) {
    boost::json::object o;
    o["error"] = protocol::error_name(e);
    o["message"] = message;
    return json_answer(status, o);
}

answer api_error(error_code e, std::string_view message) { return api_error(http_status_of(e), e, message); }

answer method_not_allowed(std::string_view allow) {
    answer a = api_error(405, error_code::invalid_request, "method not allowed; allowed: " + std::string(allow));
    a.allow = allow;
    return a;
}

bool valid_utf8(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        size_t n = 0;
        uint32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1, cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2, cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3, cp = c & 0x07;
        } else {
            return false;
        }
        if (i + n >= s.size()) return false;
        for (size_t k = 1; k <= n; ++k) {
            const auto d = static_cast<unsigned char>(s[i + k]);
            if ((d & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (d & 0x3F);
        }
        // Overlong forms, surrogates and past U+10FFFF are not UTF-8.
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF)) {
            return false;
        }
        i += n + 1;
    }
    return true;
}

std::string base64(std::string_view bytes) {
    static constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const uint32_t v =
            (uint32_t(uint8_t(bytes[i])) << 16) | (uint32_t(uint8_t(bytes[i + 1])) << 8) | uint8_t(bytes[i + 2]);
        out += {table[v >> 18], table[(v >> 12) & 63], table[(v >> 6) & 63], table[v & 63]};
    }
    if (i + 1 == bytes.size()) {
        const uint32_t v = uint32_t(uint8_t(bytes[i])) << 16;
        out += {table[v >> 18], table[(v >> 12) & 63], '=', '='};
    } else if (i + 2 == bytes.size()) {
        const uint32_t v = (uint32_t(uint8_t(bytes[i])) << 16) | (uint32_t(uint8_t(bytes[i + 1])) << 8);
        out += {table[v >> 18], table[(v >> 12) & 63], table[(v >> 6) & 63], '='};
    }
    return out;
}

boost::json::value bytes_json(const std::optional<std::string_view>& b) {
    if (!b) return nullptr;
    boost::json::object o;
    if (valid_utf8(*b)) {
        o["text"] = *b;
    } else {
        o["base64"] = base64(*b);
    }
    return o;
}

}  // namespace sluice::broker::http::console

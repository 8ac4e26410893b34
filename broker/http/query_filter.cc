#include "broker/http/query_filter.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cmath>
#include <set>

namespace sluice::broker::http {

namespace json = boost::json;

namespace {

using failure = std::string;

std::string_view as_view(const protocol::bytes& b) {
    return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}

// A JSON integer in [min, max]; doubles with a fraction are not offsets.
std::optional<int64_t> integer_of(const json::value& v, int64_t min, int64_t max) {
    int64_t n = 0;
    if (v.is_int64()) {
        n = v.as_int64();
    } else if (v.is_uint64()) {
        if (v.as_uint64() > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
        n = static_cast<int64_t>(v.as_uint64());
    } else {
        return std::nullopt;
    }
    if (n < min || n > max) return std::nullopt;
    return n;
}

std::optional<failure> parse_time_range(const json::value& v, std::string_view name, std::optional<int64_t>& from,
                                        std::optional<int64_t>& to) {
    const std::string n(name);
    if (!v.is_object()) return n + " must be an object {\"from\": ms, \"to\": ms}";
    for (const auto& [field, value] : v.as_object()) {
        if (field != "from" && field != "to") return "unknown field " + n + "." + std::string(field);
        auto ms = integer_of(value, INT64_MIN, INT64_MAX);
        if (!ms) return n + "." + std::string(field) + " must be an integer (milliseconds since the epoch)";
        (field == "from" ? from : to) = *ms;
    }
    if (!from && !to) return n + " needs from or to";
    if (from && to && *from >= *to) return n + ".from must be below " + n + ".to";
    return std::nullopt;
}

std::optional<compare_op> op_of(std::string_view s) {
    if (s == "eq") return compare_op::eq;
    if (s == "ne") return compare_op::ne;
    if (s == "lt") return compare_op::lt;
    if (s == "lte") return compare_op::lte;
    if (s == "gt") return compare_op::gt;
    if (s == "gte") return compare_op::gte;
    return std::nullopt;
}

std::optional<failure> parse_value_conditions(const json::value& v, std::vector<value_condition>& out) {
    if (!v.is_object()) return std::string("value must be an object {\"field.path\": {\"op\": operand}}");
    for (const auto& [field, ops] : v.as_object()) {
        const std::string name(field);
        value_condition c;
        size_t start = 0;
        while (true) {
            const size_t dot = name.find('.', start);
            c.path.push_back(name.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
            if (c.path.back().empty()) return "value field path '" + name + "' has an empty part";
            if (dot == std::string::npos) break;
            start = dot + 1;
        }
        if (!ops.is_object() || ops.as_object().empty()) {
            return "value." + name + " must be an object of operators (eq ne lt lte gt gte)";
        }
        for (const auto& [op_name, operand] : ops.as_object()) {
            auto op = op_of(op_name);
            if (!op) return "unknown operator " + std::string(op_name) + " on value." + name;
            const bool ordering = *op != compare_op::eq && *op != compare_op::ne;
            if (!operand.is_number() && !operand.is_string() &&
                (ordering || !(operand.is_bool() || operand.is_null()))) {
                return "value." + name + "." + std::string(op_name) +
                       (ordering ? " takes a number or a string" : " takes a number, string, boolean or null");
            }
            c.op = *op;
            c.operand = operand;
            out.push_back(c);
        }
    }
    return std::nullopt;
}

std::optional<failure> parse_field(query_filter& f, std::string_view field, const json::value& v, bool& has_keys) {
    if (field == "topic") {
        if (!v.is_string() || v.as_string().empty()) return std::string("topic must be a non-empty string");
        f.topic = std::string(v.as_string());
    } else if (field == "partitions") {
        if (!v.is_array() || v.as_array().empty()) return std::string("partitions must be a non-empty array");
        std::set<int32_t> seen;
        for (const auto& p : v.as_array()) {
            auto n = integer_of(p, 0, INT32_MAX);
            if (!n) return std::string("partitions must hold partition numbers");
            seen.insert(static_cast<int32_t>(*n));
        }
        f.partitions = std::vector<int32_t>(seen.begin(), seen.end());
    } else if (field == "keys") {
        if (!v.is_array() || v.as_array().empty()) return std::string("keys must be a non-empty array of strings");
        if (v.as_array().size() > query_max_keys) {
            return "too broad: at most " + std::to_string(query_max_keys) + " keys per query";
        }
        for (const auto& k : v.as_array()) {
            if (!k.is_string()) return std::string("keys must be a non-empty array of strings");
            std::string key(k.as_string());
            if (std::find(f.keys.begin(), f.keys.end(), key) == f.keys.end()) f.keys.push_back(std::move(key));
        }
        has_keys = true;
    } else if (field == "key_prefix") {
        if (!v.is_string() || v.as_string().empty()) {
            return std::string("key_prefix must be a non-empty string (leave it out to match every key)");
        }
        f.key_prefix = std::string(v.as_string());
    } else if (field == "from_offset" || field == "to_offset") {
        auto n = integer_of(v, 0, INT64_MAX);
        if (!n) return std::string(field) + " must be a non-negative offset";
        if (field == "from_offset") {
            f.from_offset = *n;
        } else {
            f.to_offset = *n;
        }
    } else if (field == "event_time") {
        return parse_time_range(v, field, f.event_time_from, f.event_time_to);
    } else if (field == "ingestion_time") {
        std::optional<int64_t> from, to;
        if (auto bad = parse_time_range(v, field, from, to)) return bad;
        return std::string("ingestion_time is not supported yet");
    } else if (field == "headers") {
        if (!v.is_object()) return std::string("headers must be an object {\"name\": \"value\"}");
        for (const auto& [name, value] : v.as_object()) {
            if (!value.is_string()) return "headers." + std::string(name) + " must be a string";
            f.headers.emplace_back(std::string(name), std::string(value.as_string()));
        }
    } else if (field == "value") {
        return parse_value_conditions(v, f.value_conditions);
    } else if (field == "limit") {
        auto n = integer_of(v, 1, query_max_limit);
        if (!n) return "limit must be 1.." + std::to_string(query_max_limit);
        f.limit = *n;
    } else if (field == "max_bytes_scanned") {
        auto n = integer_of(v, 1, INT64_MAX);
        if (!n) return std::string("max_bytes_scanned must be a positive number of bytes");
        f.max_bytes_scanned = static_cast<uint64_t>(*n);
    } else if (field == "allow_scan") {
        if (!v.is_bool()) return std::string("allow_scan must be true or false");
        f.allow_scan = v.as_bool();
    } else if (field == "resume") {
        if (!v.is_object() || v.as_object().empty()) {
            return std::string("resume must be a non-empty object {\"partition\": offset} (a summary's next)");
        }
        for (const auto& [p, offset] : v.as_object()) {
            std::string_view s(p.data(), p.size());
            int64_t partition = 0;
            if (s.empty() || s.size() > 10 ||
                !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
                return "resume: '" + std::string(s) + "' is not a partition number";
            for (char c : s)
                partition = partition * 10 + (c - '0');
            if (partition > INT32_MAX) return "resume: '" + std::string(s) + "' is not a partition number";
            auto n = integer_of(offset, 0, INT64_MAX);
            if (!n) return "resume." + std::string(s) + " must be a non-negative offset";
            f.resume[static_cast<int32_t>(partition)] = *n;
        }
    } else {
        return "unknown field " + std::string(field);
    }
    return std::nullopt;
}

// The field at `path` of a JSON object, or nullptr.
const json::value* field_at(const json::value& doc, const std::vector<std::string>& path) {
    const json::value* at = &doc;
    for (const auto& part : path) {
        const auto* o = at->if_object();
        if (o == nullptr) return nullptr;
        at = o->if_contains(part);
        if (at == nullptr) return nullptr;
    }
    return at;
}

// <0, 0, >0; nullopt when the two cannot be ordered (different types).
std::optional<int> order_of(const json::value& a, const json::value& b) {
    if (a.is_number() && b.is_number()) {
        // Exact for integers (the common case), as doubles otherwise.
        if (a.is_int64() && b.is_int64()) return a.as_int64() < b.as_int64() ? -1 : a.as_int64() > b.as_int64() ? 1 : 0;
        const double x = a.to_number<double>(), y = b.to_number<double>();
        if (std::isnan(x) || std::isnan(y)) return std::nullopt;
        return x < y ? -1 : x > y ? 1 : 0;
    }
    if (a.is_string() && b.is_string()) {
        const int c = std::string_view(a.as_string()).compare(std::string_view(b.as_string()));
        return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    return std::nullopt;
}

bool holds(const json::value& field, const value_condition& c) {
    if (c.op == compare_op::eq || c.op == compare_op::ne) {
        bool equal;
        if (auto o = order_of(field, c.operand)) {
            equal = *o == 0;
        } else if (field.is_bool() && c.operand.is_bool()) {
            equal = field.as_bool() == c.operand.as_bool();
        } else {
            equal = field.is_null() && c.operand.is_null();
        }
        return c.op == compare_op::eq ? equal : !equal;
    }
    auto o = order_of(field, c.operand);
    if (!o) return false;
    switch (c.op) {
        case compare_op::lt:
            return *o < 0;
        case compare_op::lte:
            return *o <= 0;
        case compare_op::gt:
            return *o > 0;
        default:
            return *o >= 0;
    }
}

}  // namespace

std::variant<query_filter, std::string> parse_query_filter(std::string_view body) {
    boost::system::error_code ec;
    json::value doc = json::parse(body, ec);
    if (ec) return "the body is not JSON: " + ec.message();
    if (!doc.is_object()) return std::string("the body must be a JSON object");
    query_filter f;
    bool has_keys = false;
    for (const auto& [field, value] : doc.as_object()) {
        if (auto bad = parse_field(f, std::string_view(field.data(), field.size()), value, has_keys)) return *bad;
    }
    if (f.topic.empty()) return std::string("topic is required");
    if (has_keys && f.key_prefix) return std::string("give keys or key_prefix, not both");
    if (f.to_offset && *f.to_offset <= f.from_offset) return std::string("to_offset must be above from_offset");
    if (f.partitions && !f.resume.empty()) {
        for (const auto& [p, offset] : f.resume) {
            if (!std::binary_search(f.partitions->begin(), f.partitions->end(), p)) {
                return "resume names partition " + std::to_string(p) + ", which partitions leaves out";
            }
        }
    }
    return f;
}

bool matches_value(const std::vector<value_condition>& conditions, const std::optional<protocol::bytes>& value) {
    if (conditions.empty()) return true;
    if (!value) return false;
    boost::system::error_code ec;
    json::value doc = json::parse(as_view(*value), ec);
    if (ec || !doc.is_object()) return false;
    for (const auto& c : conditions) {
        const json::value* field = field_at(doc, c.path);
        if (field == nullptr || !holds(*field, c)) return false;
    }
    return true;
}

bool matches(const query_filter& f, const protocol::record& r) {
    if (!f.keys.empty()) {
        if (!r.key) return false;
        const std::string_view key = as_view(*r.key);
        if (std::find(f.keys.begin(), f.keys.end(), key) == f.keys.end()) return false;
    }
    if (f.key_prefix && (!r.key || !as_view(*r.key).starts_with(*f.key_prefix))) return false;
    if (f.event_time_from && r.timestamp < *f.event_time_from) return false;
    if (f.event_time_to && r.timestamp >= *f.event_time_to) return false;
    for (const auto& wanted : f.headers) {
        const bool found = std::any_of(r.headers.begin(), r.headers.end(), [&](const auto& h) {
            return h.first == wanted.first && h.second && as_view(*h.second) == wanted.second;
        });
        if (!found) return false;
    }
    return matches_value(f.value_conditions, r.value);
}

}  // namespace sluice::broker::http

#include "broker/schema_registry/compatibility.h"

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cctype>

#include "broker/schema_registry/avro_compat.h"
#include "broker/schema_registry/json_schema_compat.h"
#include "broker/schema_registry/protobuf_compat.h"

namespace sluice::broker::schema_registry {

namespace json = boost::json;

namespace {

constexpr std::array<std::pair<level, std::string_view>, 7> level_names{{
    {level::none, "NONE"},
    {level::backward, "BACKWARD"},
    {level::backward_transitive, "BACKWARD_TRANSITIVE"},
    {level::forward, "FORWARD"},
    {level::forward_transitive, "FORWARD_TRANSITIVE"},
    {level::full, "FULL"},
    {level::full_transitive, "FULL_TRANSITIVE"},
}};

json::value sorted(const json::value& v) {
    if (v.is_array()) {
        json::array out;
        for (const auto& e : v.get_array())
            out.push_back(sorted(e));
        return out;
    }
    if (!v.is_object()) return v;
    std::vector<std::pair<std::string, const json::value*>> members;
    for (const auto& m : v.get_object())
        members.emplace_back(std::string(m.key()), &m.value());
    std::sort(members.begin(), members.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    json::object out;
    for (const auto& [k, value] : members)
        out[k] = sorted(*value);
    return out;
}

}  // namespace

std::optional<level> parse_level(std::string_view name) {
    std::string upper(name);
    for (char& c : upper)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (const auto& [l, n] : level_names) {
        if (n == upper) return l;
    }
    return std::nullopt;
}

std::string_view level_name(level l) {
    for (const auto& [k, n] : level_names) {
        if (k == l) return n;
    }
    return "NONE";
}

bool known_type(std::string_view type) { return type == "AVRO" || type == "JSON" || type == "PROTOBUF"; }

std::variant<candidate, std::string> prepare(std::string_view type, std::string_view text,
                                             const std::vector<std::string>& references, bool normalize,
                                             const std::vector<std::string>& reference_names) {
    candidate c{std::string(type), {}, std::nullopt, std::nullopt, nullptr};
    if (type == "PROTOBUF") {
        if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return std::string("Empty schema");
        std::vector<protobuf::reference_text> imports;
        for (size_t i = 0; i < references.size() && i < reference_names.size(); ++i) {
            imports.push_back({reference_names[i], references[i]});
        }
        auto parsed = protobuf::parse(text, imports);
        if (auto* e = std::get_if<std::string>(&parsed)) return "Invalid schema: " + *e;
        c.proto = std::move(std::get<std::shared_ptr<const protobuf::schema>>(parsed));
        c.text = std::string(text);
        return c;
    }
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec) return "Invalid schema " + std::string(text.substr(0, 200)) + ": " + ec.message();
    if (normalize) v = sorted(v);
    c.text = json::serialize(v);
    if (type == "JSON") {
        if (!v.is_object() && !v.is_bool())
            return std::string("Invalid schema: a JSON Schema is an object or a boolean");
        c.json = std::move(v);
        return c;
    }
    auto parsed = avro::parse(c.text, references);
    if (auto* e = std::get_if<std::string>(&parsed)) return "Invalid schema " + c.text.substr(0, 200) + ": " + *e;
    c.avro = std::move(std::get<avro::schema>(parsed));
    return c;
}

std::vector<std::string> check(level l, const candidate& proposed, const std::vector<candidate>& previous) {
    if (l == level::none || previous.empty()) return {};
    const bool transitive =
        l == level::backward_transitive || l == level::forward_transitive || l == level::full_transitive;
    const bool backward = l != level::forward && l != level::forward_transitive;
    const bool forward = l != level::backward && l != level::backward_transitive;
    std::vector<std::string> problems;
    const size_t first = transitive ? 0 : previous.size() - 1;
    for (size_t i = previous.size(); i-- > first;) {
        const candidate& old = previous[i];
        if (old.type != proposed.type) {
            problems.push_back("Incompatible schema type: " + old.type + " to " + proposed.type);
            continue;
        }
        if (proposed.json && old.json) {
            if (backward) {
                for (auto& p : json_schema::incompatibilities(*proposed.json, *old.json)) {
                    problems.push_back("{previous schema " + std::to_string(i + 1) + ", reader: new, writer: old, " +
                                       p + "}");
                }
            }
            if (forward) {
                for (auto& p : json_schema::incompatibilities(*old.json, *proposed.json)) {
                    problems.push_back("{previous schema " + std::to_string(i + 1) + ", reader: old, writer: new, " +
                                       p + "}");
                }
            }
            continue;
        }
        if (proposed.proto && old.proto) {
            // Confluent's direction: the writer's schema is the "original".
            if (backward) {
                for (auto& p : protobuf::incompatibilities(*old.proto, *proposed.proto)) {
                    problems.push_back("{previous schema " + std::to_string(i + 1) + ", reader: new, writer: old, " +
                                       p + "}");
                }
            }
            if (forward) {
                for (auto& p : protobuf::incompatibilities(*proposed.proto, *old.proto)) {
                    problems.push_back("{previous schema " + std::to_string(i + 1) + ", reader: old, writer: new, " +
                                       p + "}");
                }
            }
            continue;
        }
        if (!proposed.avro || !old.avro) {
            problems.push_back("Compatibility rules for " + proposed.type +
                               " are not implemented here; only level NONE accepts a new version");
            continue;
        }
        if (backward) {
            for (auto& p : avro::incompatibilities(*proposed.avro, *old.avro)) {
                problems.push_back("{previous schema " + std::to_string(i + 1) + ", reader: new, writer: old, " + p +
                                   "}");
            }
        }
        if (forward) {
            for (auto& p : avro::incompatibilities(*old.avro, *proposed.avro)) {
                problems.push_back("{previous schema " + std::to_string(i + 1) + ", reader: old, writer: new, " + p +
                                   "}");
            }
        }
    }
    return problems;
}

}  // namespace sluice::broker::schema_registry

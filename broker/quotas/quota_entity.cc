// Client quota entities: keys, values, Kafka's validation and precedence
// (quota_entity.h).
#include "broker/quotas/quota_entity.h"

#include <boost/json.hpp>

#include <cmath>

namespace sluice::broker::quotas {

namespace json = boost::json;

namespace {

// Names are percent-encoded so ';' and '=' stay separators.
std::string encode_name(const entity_name& n) {
    if (!n) return "@";
    std::string out = "=";
    for (char c : *n) {
        if (c == '%' || c == ';' || c == '=' || c == '@') {
            static constexpr char hex[] = "0123456789ABCDEF";
            out += '%';
            out += hex[static_cast<unsigned char>(c) >> 4];
            out += hex[static_cast<unsigned char>(c) & 0xF];
        } else {
            out += c;
        }
    }
    return out;
}

std::optional<entity_name> decode_name(std::string_view s) {
    if (s == "@") return entity_name{};
    if (s.empty() || s[0] != '=') return std::nullopt;
    std::string out;
    for (size_t i = 1; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        if (i + 2 >= s.size()) return std::nullopt;
        auto digit = [](char c) -> int {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        };
        int hi = digit(s[i + 1]), lo = digit(s[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return entity_name{std::move(out)};
}

bool is_client_quota(std::string_view key) {
    return key == producer_byte_rate || key == consumer_byte_rate || key == request_percentage ||
           key == controller_mutation_rate;
}

}  // namespace

std::string entity_key(const quota_entity& e) {
    std::string out;
    auto add = [&out](std::string_view type, const std::optional<entity_name>& n) {
        if (!n) return;
        if (!out.empty()) out += ';';
        out += type;
        out += encode_name(*n);
    };
    add(user_type, e.user);
    add(client_id_type, e.client_id);
    add(ip_type, e.ip);
    return out;
}

std::optional<quota_entity> entity_from_key(std::string_view key) {
    quota_entity e;
    while (!key.empty()) {
        size_t end = key.find(';');
        std::string_view part = key.substr(0, end);
        key = end == std::string_view::npos ? std::string_view{} : key.substr(end + 1);
        size_t at = part.find_first_of("=@");
        if (at == std::string_view::npos) return std::nullopt;
        std::string_view type = part.substr(0, at);
        auto name = decode_name(part.substr(at));
        if (!name) return std::nullopt;
        std::optional<entity_name>* slot = type == user_type ? &e.user
                                           : type == client_id_type ? &e.client_id
                                           : type == ip_type ? &e.ip
                                                             : nullptr;
        if (slot == nullptr || slot->has_value()) return std::nullopt;
        *slot = std::move(*name);
    }
    if (!e.user && !e.client_id && !e.ip) return std::nullopt;
    return e;
}

std::string values_to_json(const quota_values& v) {
    json::object o;
    for (const auto& [k, x] : v) o[k] = x;
    return json::serialize(o);
}

std::optional<quota_values> values_from_json(std::string_view text) {
    json::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) return std::nullopt;
    quota_values out;
    for (const auto& kv : v.get_object()) {
        if (!kv.value().is_number()) return std::nullopt;
        out[std::string(kv.key())] = kv.value().to_number<double>();
    }
    return out;
}

parsed_entity parse_entity(const std::vector<std::pair<std::string, entity_name>>& components) {
    parsed_entity out;
    if (components.empty()) {
        out.error = "Invalid empty client quota entity";
        return out;
    }
    for (const auto& [type, name] : components) {
        std::optional<entity_name>* slot = type == user_type ? &out.entity.user
                                           : type == client_id_type ? &out.entity.client_id
                                           : type == ip_type ? &out.entity.ip
                                                             : nullptr;
        if (slot == nullptr) {
            out.error = "Unhandled client quota entity type: " + type;
            return out;
        }
        if (slot->has_value()) {
            out.error = "Duplicate " + type + " entity in client quota entity";
            return out;
        }
        *slot = name;
    }
    if (out.entity.ip && (out.entity.user || out.entity.client_id)) {
        out.error = "Invalid quota entity combination, IP entity should not be combined with User or ClientId";
    }
    return out;
}

std::vector<std::pair<std::string, entity_name>> components_of(const quota_entity& e) {
    std::vector<std::pair<std::string, entity_name>> out;
    if (e.user) out.emplace_back(user_type, *e.user);
    if (e.client_id) out.emplace_back(client_id_type, *e.client_id);
    if (e.ip) out.emplace_back(ip_type, *e.ip);
    return out;
}

std::optional<std::string> check_quota(const quota_entity& e, std::string_view key, double value) {
    const bool ip = e.ip.has_value();
    if (ip ? key != connection_creation_rate : !is_client_quota(key)) {
        return "Invalid configuration key " + std::string(key);
    }
    if (!std::isfinite(value) || value < 0) return "Illegal value for " + std::string(key) + ": " + std::to_string(value);
    // The byte rates and the mutation rate are longs in Kafka's definitions.
    bool whole = key == producer_byte_rate || key == consumer_byte_rate || key == connection_creation_rate;
    if (whole && value != std::floor(value)) return "Configuration " + std::string(key) + " must be a Long value";
    return std::nullopt;
}

std::vector<quota_entity> lookup_order(const std::string& user, const std::string& client_id) {
    const entity_name u = user, c = client_id, any;
    return {
        {u, c, std::nullopt},   {u, any, std::nullopt},   {u, std::nullopt, std::nullopt},
        {any, c, std::nullopt}, {any, any, std::nullopt}, {any, std::nullopt, std::nullopt},
        {std::nullopt, c, std::nullopt}, {std::nullopt, any, std::nullopt},
    };
}

}  // namespace sluice::broker::quotas

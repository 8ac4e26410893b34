#include "broker/schema_registry/schemas_records.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace sluice::broker::schema_registry {

namespace json = boost::json;

namespace {

constexpr int schema_key_magic = 1;
constexpr int other_key_magic = 0;

std::optional<json::object> parse_object(std::string_view text) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) return std::nullopt;
    return std::move(v.get_object());
}

std::optional<int32_t> int_of(const json::object& o, std::string_view key) {
    auto it = o.find(key);
    if (it == o.end() || !it->value().is_int64()) return std::nullopt;
    const int64_t v = it->value().get_int64();
    if (v < INT32_MIN || v > INT32_MAX) return std::nullopt;
    return static_cast<int32_t>(v);
}

std::optional<std::string> string_of(const json::object& o, std::string_view key) {
    auto it = o.find(key);
    if (it == o.end() || !it->value().is_string()) return std::nullopt;
    return std::string(it->value().get_string());
}

const char* key_type_name(key_type t) {
    switch (t) {
        case key_type::schema:
            return "SCHEMA";
        case key_type::config:
            return "CONFIG";
        case key_type::mode:
            return "MODE";
        case key_type::delete_subject:
            return "DELETE_SUBJECT";
        case key_type::noop:
            return "NOOP";
    }
    return "NOOP";
}

}  // namespace

std::string encode_key(const record_key& k) {
    json::object o;
    o["keytype"] = key_type_name(k.type);
    if (k.type != key_type::noop) {
        if (k.subject) {
            o["subject"] = *k.subject;
        } else {
            o["subject"] = nullptr;
        }
    }
    if (k.type == key_type::schema) o["version"] = k.version;
    o["magic"] = k.type == key_type::schema ? schema_key_magic : other_key_magic;
    return json::serialize(o);
}

std::optional<record_key> decode_key(std::string_view text) {
    auto o = parse_object(text);
    if (!o) return std::nullopt;
    auto type = string_of(*o, "keytype");
    if (!type) return std::nullopt;
    record_key k;
    if (*type == "SCHEMA") {
        k.type = key_type::schema;
    } else if (*type == "CONFIG") {
        k.type = key_type::config;
    } else if (*type == "MODE") {
        k.type = key_type::mode;
    } else if (*type == "DELETE_SUBJECT") {
        k.type = key_type::delete_subject;
    } else if (*type == "NOOP") {
        k.type = key_type::noop;
    } else {
        return std::nullopt;  // CLEAR_SUBJECT, CONTEXT, ...: not kept here
    }
    k.subject = string_of(*o, "subject");
    if (k.type == key_type::schema) {
        auto v = int_of(*o, "version");
        if (!k.subject || !v) return std::nullopt;
        k.version = *v;
    }
    if (k.type == key_type::delete_subject && !k.subject) return std::nullopt;
    return k;
}

std::string encode_schema_value(const schema_value& v) {
    json::object o;
    o["subject"] = v.subject;
    o["version"] = v.version;
    o["id"] = v.id;
    if (v.type != "AVRO") o["schemaType"] = v.type;
    if (!v.references.empty()) {
        json::array refs;
        for (const auto& r : v.references) {
            refs.push_back(json::object{{"name", r.name}, {"subject", r.subject}, {"version", r.version}});
        }
        o["references"] = std::move(refs);
    }
    o["schema"] = v.schema;
    o["deleted"] = v.deleted;
    return json::serialize(o);
}

std::optional<schema_value> decode_schema_value(std::string_view text) {
    auto o = parse_object(text);
    if (!o) return std::nullopt;
    schema_value v;
    auto subject = string_of(*o, "subject");
    auto version = int_of(*o, "version");
    auto id = int_of(*o, "id");
    auto schema = string_of(*o, "schema");
    if (!subject || !version || !id || !schema) return std::nullopt;
    v.subject = std::move(*subject);
    v.version = *version;
    v.id = *id;
    v.schema = std::move(*schema);
    if (auto t = string_of(*o, "schemaType")) v.type = std::move(*t);
    if (auto it = o->find("deleted"); it != o->end() && it->value().is_bool()) v.deleted = it->value().get_bool();
    if (auto it = o->find("references"); it != o->end() && it->value().is_array()) {
        for (const auto& r : it->value().get_array()) {
            if (!r.is_object()) return std::nullopt;
            auto name = string_of(r.get_object(), "name");
            auto s = string_of(r.get_object(), "subject");
            auto ver = int_of(r.get_object(), "version");
            if (!name || !s || !ver) return std::nullopt;
            v.references.push_back({std::move(*name), std::move(*s), *ver});
        }
    }
    return v;
}

std::string encode_config_value(std::string_view level) {
    return json::serialize(json::object{{"compatibilityLevel", level}});
}

std::string encode_mode_value(std::string_view mode) { return json::serialize(json::object{{"mode", mode}}); }

std::string encode_delete_subject_value(std::string_view subject, int32_t version) {
    return json::serialize(json::object{{"subject", subject}, {"version", version}});
}

std::optional<std::string> decode_string_field(std::string_view text, std::string_view field) {
    auto o = parse_object(text);
    if (!o) return std::nullopt;
    return string_of(*o, field);
}

std::optional<int32_t> decode_int_field(std::string_view text, std::string_view field) {
    auto o = parse_object(text);
    if (!o) return std::nullopt;
    return int_of(*o, field);
}

}  // namespace sluice::broker::schema_registry

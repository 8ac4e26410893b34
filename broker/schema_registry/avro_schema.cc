// The Avro JSON parser and Parsing Canonical Form. Errors are messages,
// returned up the recursion through `fail`; nothing throws past parse().
#include "broker/schema_registry/avro_schema.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <map>
#include <set>

namespace sluice::broker::schema_registry::avro {

namespace json = boost::json;

std::string_view short_name(std::string_view full_name) {
    const auto dot = full_name.rfind('.');
    return dot == std::string_view::npos ? full_name : full_name.substr(dot + 1);
}

namespace {

std::optional<kind> primitive(std::string_view name) {
    static const std::map<std::string_view, kind> primitives{
        {"null", kind::null_type},   {"boolean", kind::boolean},    {"int", kind::int_type}, {"long", kind::long_type},
        {"float", kind::float_type}, {"double", kind::double_type}, {"bytes", kind::bytes},  {"string", kind::string}};
    auto it = primitives.find(name);
    if (it == primitives.end()) return std::nullopt;
    return it->second;
}

bool valid_name_part(std::string_view s) {
    if (s.empty()) return false;
    auto first = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
    if (!first(s[0])) return false;
    for (char c : s.substr(1)) {
        if (!first(c) && !(c >= '0' && c <= '9')) return false;
    }
    return true;
}

bool valid_full_name(std::string_view s) {
    size_t start = 0;
    while (true) {
        const auto dot = s.find('.', start);
        if (!valid_name_part(s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start))) {
            return false;
        }
        if (dot == std::string_view::npos) return true;
        start = dot + 1;
    }
}

std::string qualify(std::string_view name, std::string_view ns) {
    if (name.find('.') != std::string_view::npos || ns.empty()) return std::string(name);
    return std::string(ns) + "." + std::string(name);
}

std::string namespace_of(std::string_view full_name) {
    const auto dot = full_name.rfind('.');
    return dot == std::string_view::npos ? std::string() : std::string(full_name.substr(0, dot));
}

node of(kind k, std::string logical = {}) {
    node n;
    n.type = k;
    n.logical_type = std::move(logical);
    return n;
}

const json::value* member(const json::object& o, std::string_view key) {
    auto it = o.find(key);
    return it == o.end() ? nullptr : &it->value();
}

class parser {
public:
    explicit parser(schema& out) : out_(out) {}

    std::optional<std::string> error;

    int parse(const json::value& v, const std::string& ns) {
        if (error) return -1;
        if (v.is_string()) return by_name(v.get_string(), ns);
        if (v.is_array()) return parse_union(v.get_array(), ns);
        if (v.is_object()) return parse_object(v.get_object(), ns);
        return fail("Not a schema: " + json::serialize(v));
    }

private:
    int fail(std::string message) {
        if (!error) error = std::move(message);
        return -1;
    }

    int add(node n) {
        out_.nodes.push_back(std::move(n));
        return static_cast<int>(out_.nodes.size() - 1);
    }

    int by_name(std::string_view name, const std::string& ns) {
        if (auto p = primitive(name)) return add(of(*p));
        if (name.find('.') == std::string_view::npos) {
            if (auto it = names_.find(qualify(name, ns)); it != names_.end()) return it->second;
        }
        if (auto it = names_.find(std::string(name)); it != names_.end()) return it->second;
        return fail("Undefined name: \"" + std::string(name) + "\"");
    }

    int parse_union(const json::array& a, const std::string& ns) {
        node n = of(kind::union_type);
        std::set<std::string> seen;  // a kind for unnamed branches, the full name for named ones
        for (const auto& b : a) {
            const int i = parse(b, ns);
            if (i < 0) return -1;
            const node& branch = out_.at(i);
            if (branch.type == kind::union_type) return fail("Nested union: " + json::serialize(a));
            const bool named =
                branch.type == kind::record || branch.type == kind::enumeration || branch.type == kind::fixed;
            std::string id = named ? branch.full_name : "#" + std::to_string(static_cast<int>(branch.type));
            if (!seen.insert(id).second) return fail("Duplicate in union: " + json::serialize(b));
            n.branches.push_back(i);
        }
        return add(std::move(n));
    }

    // Declares a named type's full name (and its aliases) before its body is
    // parsed, so the body may refer to it.
    int declare(const json::object& o, const std::string& ns, kind k) {
        const json::value* name = member(o, "name");
        if (name == nullptr || !name->is_string()) return fail("No name in schema: " + json::serialize(o));
        std::string space = ns;
        if (const json::value* n = member(o, "namespace")) {
            if (n->is_string()) {
                space = std::string(n->get_string());
            } else if (!n->is_null()) {
                return fail("Namespace must be a string: " + json::serialize(o));
            }
        }
        std::string full = qualify(name->get_string(), space);
        if (!valid_full_name(full)) return fail("Illegal name: " + full);
        if (primitive(full)) return fail("Can't redefine a primitive type: " + full);
        if (names_.contains(full)) return fail("Can't redefine: " + full);
        node n = of(k);
        n.full_name = full;
        if (const json::value* al = member(o, "aliases")) {
            if (!al->is_array()) return fail("aliases not an array: " + json::serialize(o));
            for (const auto& a : al->get_array()) {
                if (!a.is_string() || !valid_full_name(a.get_string())) {
                    return fail("Illegal alias: " + json::serialize(a));
                }
                n.aliases.push_back(qualify(a.get_string(), namespace_of(full)));
            }
        }
        const int i = add(std::move(n));
        names_[full] = i;
        return i;
    }

    int parse_object(const json::object& o, const std::string& ns) {
        const json::value* t = member(o, "type");
        if (t == nullptr) return fail("No type: " + json::serialize(o));
        if (!t->is_string()) return parse(*t, ns);  // {"type": {...}} or {"type": [...]}
        const std::string_view type = t->get_string();
        std::string logical;
        if (const json::value* l = member(o, "logicalType"); l != nullptr && l->is_string()) {
            logical = std::string(l->get_string());
        }
        if (auto p = primitive(type)) return add(of(*p, logical));
        if (type == "record" || type == "error") return parse_record(o, ns);
        if (type == "enum") return parse_enum(o, ns);
        if (type == "fixed") {
            const int i = declare(o, ns, kind::fixed);
            if (i < 0) return -1;
            const json::value* size = member(o, "size");
            if (size == nullptr || !size->is_int64() || size->get_int64() < 0 || size->get_int64() > INT32_MAX) {
                return fail("Invalid or no size: " + json::serialize(o));
            }
            out_.nodes[static_cast<size_t>(i)].size = size->get_int64();
            out_.nodes[static_cast<size_t>(i)].logical_type = logical;
            return i;
        }
        if (type == "array" || type == "map") {
            const bool array = type == "array";
            const json::value* inner = member(o, array ? "items" : "values");
            if (inner == nullptr)
                return fail(std::string(array ? "Array has no items" : "Map has no values") +
                            " type: " + json::serialize(o));
            const int i = parse(*inner, ns);
            if (i < 0) return -1;
            node n = of(array ? kind::array : kind::map, logical);
            n.items = i;
            return add(std::move(n));
        }
        // A named type referred to in an object: {"type": "com.example.T"}.
        return by_name(type, ns);
    }

    int parse_enum(const json::object& o, const std::string& ns) {
        const int i = declare(o, ns, kind::enumeration);
        if (i < 0) return -1;
        const json::value* symbols = member(o, "symbols");
        if (symbols == nullptr || !symbols->is_array()) return fail("Enum has no symbols: " + json::serialize(o));
        std::vector<std::string> list;
        std::set<std::string, std::less<>> seen;
        for (const auto& s : symbols->get_array()) {
            if (!s.is_string() || !valid_name_part(s.get_string())) {
                return fail("Illegal enum symbol: " + json::serialize(s));
            }
            if (!seen.emplace(s.get_string()).second) return fail("Duplicate enum symbol: " + json::serialize(s));
            list.emplace_back(s.get_string());
        }
        std::optional<std::string> def;
        if (const json::value* d = member(o, "default")) {
            if (!d->is_string() || !seen.contains(d->get_string())) {
                return fail("The Enum Default: " + json::serialize(*d) + " is not in the enum symbol set");
            }
            def = std::string(d->get_string());
        }
        node& n = out_.nodes[static_cast<size_t>(i)];
        n.symbols = std::move(list);
        n.enum_default = std::move(def);
        return i;
    }

    int parse_record(const json::object& o, const std::string& ns) {
        const int i = declare(o, ns, kind::record);
        if (i < 0) return -1;
        const std::string space = namespace_of(out_.at(i).full_name);
        const json::value* fields = member(o, "fields");
        if (fields == nullptr || !fields->is_array()) return fail("Record has no fields: " + json::serialize(o));
        std::vector<field> list;
        std::set<std::string, std::less<>> seen;
        for (const auto& fv : fields->get_array()) {
            if (!fv.is_object()) return fail("Field not an object: " + json::serialize(fv));
            const json::object& f = fv.get_object();
            const json::value* name = member(f, "name");
            if (name == nullptr || !name->is_string()) return fail("No field name: " + json::serialize(f));
            if (!valid_name_part(name->get_string())) return fail("Illegal field name: " + json::serialize(*name));
            if (!seen.emplace(name->get_string()).second) {
                return fail("Duplicate field " + std::string(name->get_string()) + " in record " +
                            out_.at(i).full_name);
            }
            const json::value* type = member(f, "type");
            if (type == nullptr) return fail("No field type: " + json::serialize(f));
            field out;
            out.name = std::string(name->get_string());
            out.type = parse(*type, space);
            if (out.type < 0) return -1;
            if (const json::value* al = member(f, "aliases"); al != nullptr && al->is_array()) {
                for (const auto& a : al->get_array()) {
                    if (a.is_string()) out.aliases.emplace_back(a.get_string());
                }
            }
            if (const json::value* d = member(f, "default")) out.default_value = *d;
            list.push_back(std::move(out));
        }
        out_.nodes[static_cast<size_t>(i)].fields = std::move(list);
        return i;
    }

    schema& out_;
    std::map<std::string, int, std::less<>> names_;
};

// Avro's default-value check (Schema.isValidDefault), over the parsed graph.
bool valid_default(const schema& s, int type, const json::value& v, int depth = 0) {
    if (depth > 64) return true;  // a recursive record's default nests as far as the JSON does
    const node& n = s.at(type);
    switch (n.type) {
        case kind::null_type:
            return v.is_null();
        case kind::boolean:
            return v.is_bool();
        case kind::int_type:
            return (v.is_int64() && v.get_int64() >= INT32_MIN && v.get_int64() <= INT32_MAX) ||
                   (v.is_uint64() && v.get_uint64() <= INT32_MAX);
        case kind::long_type:
            return v.is_int64() || (v.is_uint64() && v.get_uint64() <= INT64_MAX);
        case kind::float_type:
        case kind::double_type:
            return v.is_number();
        case kind::bytes:
        case kind::string:
        case kind::enumeration:
        case kind::fixed:
            return v.is_string();
        case kind::array:
            if (!v.is_array()) return false;
            for (const auto& e : v.get_array()) {
                if (!valid_default(s, n.items, e, depth + 1)) return false;
            }
            return true;
        case kind::map:
            if (!v.is_object()) return false;
            for (const auto& e : v.get_object()) {
                if (!valid_default(s, n.items, e.value(), depth + 1)) return false;
            }
            return true;
        case kind::union_type:
            return !n.branches.empty() && valid_default(s, n.branches.front(), v, depth + 1);
        case kind::record:
            if (!v.is_object()) return false;
            for (const auto& f : n.fields) {
                const json::value* given = member(v.get_object(), f.name);
                if (given != nullptr ? !valid_default(s, f.type, *given, depth + 1) : !f.default_value) return false;
            }
            return true;
    }
    return false;
}

std::optional<std::string> check_defaults(const schema& s) {
    for (const auto& n : s.nodes) {
        for (const auto& f : n.fields) {
            if (f.default_value && !valid_default(s, f.type, *f.default_value)) {
                return "Invalid default for field " + f.name + ": " + json::serialize(*f.default_value) + " not a " +
                       parsing_canonical_form(schema{s.nodes, f.type});
            }
        }
    }
    return std::nullopt;
}

void canonical(const schema& s, int i, std::set<std::string>& done, std::string& out) {
    const node& n = s.at(i);
    auto quoted = [](std::string_view v) { return json::serialize(json::value(v)); };
    static const char* const primitive_names[] = {"null",  "boolean", "int",   "long",
                                                  "float", "double",  "bytes", "string"};
    switch (n.type) {
        case kind::union_type:
            out += '[';
            for (size_t b = 0; b < n.branches.size(); ++b) {
                if (b > 0) out += ',';
                canonical(s, n.branches[b], done, out);
            }
            out += ']';
            return;
        case kind::array:
        case kind::map:
            out += n.type == kind::array ? R"({"type":"array","items":)" : R"({"type":"map","values":)";
            canonical(s, n.items, done, out);
            out += '}';
            return;
        case kind::record:
        case kind::enumeration:
        case kind::fixed:
            if (!done.insert(n.full_name).second) {
                out += quoted(n.full_name);
                return;
            }
            out += R"({"name":)" + quoted(n.full_name);
            if (n.type == kind::fixed) {
                out += R"(,"type":"fixed","size":)" + std::to_string(n.size) + "}";
            } else if (n.type == kind::enumeration) {
                out += R"(,"type":"enum","symbols":[)";
                for (size_t k = 0; k < n.symbols.size(); ++k)
                    out += (k > 0 ? "," : "") + quoted(n.symbols[k]);
                out += "]}";
            } else {
                out += R"(,"type":"record","fields":[)";
                for (size_t k = 0; k < n.fields.size(); ++k) {
                    out += (k > 0 ? "," : "") + std::string(R"({"name":)") + quoted(n.fields[k].name) + R"(,"type":)";
                    canonical(s, n.fields[k].type, done, out);
                    out += '}';
                }
                out += "]}";
            }
            return;
        default:
            out += quoted(primitive_names[static_cast<int>(n.type)]);
            return;
    }
}

}  // namespace

std::variant<schema, std::string> parse(std::string_view text, const std::vector<std::string>& references) {
    schema s;
    parser p(s);
    auto parse_one = [&p](std::string_view t) -> int {
        boost::system::error_code ec;
        json::value v = json::parse(t, ec);
        if (ec) {
            p.error = "Invalid schema JSON: " + ec.message();
            return -1;
        }
        return p.parse(v, "");
    };
    for (const auto& r : references) {
        if (parse_one(r) < 0) return "Invalid referenced schema: " + p.error.value_or("");
    }
    s.root = parse_one(text);
    if (p.error) return *p.error;
    if (auto e = check_defaults(s)) return *e;
    return s;
}

std::string parsing_canonical_form(const schema& s) {
    std::string out;
    std::set<std::string> done;
    canonical(s, s.root, done, out);
    return out;
}

}  // namespace sluice::broker::schema_registry::avro

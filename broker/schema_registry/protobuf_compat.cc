#include "broker/schema_registry/protobuf_compat.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

#include <map>
#include <set>
#include <string_view>
#include <tuple>
#include <utility>

namespace sluice::broker::schema_registry::protobuf {

namespace {

namespace gp = google::protobuf;
using field = gp::FieldDescriptor;

struct context {
    std::vector<std::string> problems;
    std::set<std::pair<const gp::Descriptor*, const gp::Descriptor*>> visited;  // recursive types end here
    // Pairs of messages still to compare: a worklist, not recursion, so a
    // long chain of message fields (M1 holds M2 holds M3 ...) costs no stack.
    std::vector<std::tuple<const gp::Descriptor*, const gp::Descriptor*, std::string>> pending;

    void add(std::string_view type, const std::string& path) { problems.push_back(std::string(type) + " at " + path); }
};

// Queues the pair (once).
void compare_message(context& c, const gp::Descriptor& o, const gp::Descriptor& u, const std::string& path) {
    if (c.visited.insert({&o, &u}).second) c.pending.emplace_back(&o, &u, path);
}

enum class kind { scalar, message, map };

kind kind_of(const field& f) {
    if (f.is_map()) return kind::map;
    if (f.type() == field::TYPE_MESSAGE || f.type() == field::TYPE_GROUP) return kind::message;
    return kind::scalar;  // enums too: they are varints on the wire
}

// The wire-compatible groups of the protobuf language guide ("Updating A
// Message Type"), as Confluent groups them.
int scalar_group(const field& f) {
    switch (f.type()) {
        case field::TYPE_INT32:
        case field::TYPE_INT64:
        case field::TYPE_UINT32:
        case field::TYPE_UINT64:
        case field::TYPE_BOOL:
        case field::TYPE_ENUM:
            return 0;
        case field::TYPE_SINT32:
        case field::TYPE_SINT64:
            return 1;
        case field::TYPE_STRING:
        case field::TYPE_BYTES:
            return 2;
        case field::TYPE_FIXED32:
        case field::TYPE_SFIXED32:
            return 3;
        case field::TYPE_FIXED64:
        case field::TYPE_SFIXED64:
            return 4;
        case field::TYPE_FLOAT:
            return 5;
        case field::TYPE_DOUBLE:
            return 6;
        default:
            return 7;
    }
}

// A type's name within its package.
std::string_view local_name(const gp::Descriptor& d) {
    std::string_view full = d.full_name();
    const std::string& package = d.file()->package();
    if (!package.empty() && full.size() > package.size() && full.substr(0, package.size()) == package &&
        full[package.size()] == '.') {
        return full.substr(package.size() + 1);
    }
    return full;
}

void compare_field_types(context& c, const field& o, const field& u, const std::string& path) {
    const kind ko = kind_of(o), ku = kind_of(u);
    if (ko != ku) return c.add("FIELD_KIND_CHANGED", path);
    switch (ko) {
        case kind::scalar:
            if (scalar_group(o) != scalar_group(u)) c.add("FIELD_SCALAR_KIND_CHANGED", path);
            return;
        case kind::map: {
            const gp::Descriptor& eo = *o.message_type();
            const gp::Descriptor& eu = *u.message_type();
            compare_field_types(c, *eo.map_key(), *eu.map_key(), path);
            compare_field_types(c, *eo.map_value(), *eu.map_value(), path);
            return;
        }
        case kind::message: {
            const gp::Descriptor& mo = *o.message_type();
            const gp::Descriptor& mu = *u.message_type();
            if (local_name(mo) != local_name(mu)) return c.add("FIELD_NAMED_TYPE_CHANGED", path);
            // A change inside is reported at the inner type's path.
            compare_message(c, mo, mu, "#/" + std::string(local_name(mo)));
            return;
        }
    }
}

void compare_field(context& c, const field& o, const field& u, const std::string& path) {
    // A new name is compatible: the wire carries numbers.
    compare_field_types(c, o, u, path);
}

// Nested (or top-level) messages by name; enums never break compatibility.
template <typename Count, typename At>
std::map<std::string, const gp::Descriptor*> messages_by_name(Count count, At at) {
    std::map<std::string, const gp::Descriptor*> out;
    for (int i = 0; i < count(); ++i) {
        const gp::Descriptor* d = at(i);
        if (!d->options().map_entry()) out[d->name()] = d;  // a map's entry type is the map's, not a message
    }
    return out;
}

void compare_types(context& c, const std::map<std::string, const gp::Descriptor*>& o,
                   const std::map<std::string, const gp::Descriptor*>& u, const std::string& path) {
    for (const auto& [name, d] : o) {
        auto it = u.find(name);
        if (it == u.end()) {
            c.add("MESSAGE_REMOVED", path + "/" + name);
        } else {
            compare_message(c, *d, *it->second, path + "/" + name);
        }
    }
}

const gp::OneofDescriptor* oneof_of(const field& f) { return f.real_containing_oneof(); }

void compare_queued(context& c, const gp::Descriptor& o, const gp::Descriptor& u, const std::string& path) {
    std::map<int, const field*> o_top, u_top, o_all, u_all;
    for (int i = 0; i < o.field_count(); ++i) {
        const field* f = o.field(i);
        o_all[f->number()] = f;
        if (oneof_of(*f) == nullptr) o_top[f->number()] = f;
    }
    for (int i = 0; i < u.field_count(); ++i) {
        const field* f = u.field(i);
        u_all[f->number()] = f;
        if (oneof_of(*f) == nullptr) u_top[f->number()] = f;
    }
    // Oneofs of the update: a new one may take in one existing field, not
    // several, and not beside members of an earlier oneof.
    for (int i = 0; i < u.real_oneof_decl_count(); ++i) {
        const gp::OneofDescriptor& oneof = *u.oneof_decl(i);
        int moved = 0, existing = 0;
        for (int j = 0; j < oneof.field_count(); ++j) {
            const int number = oneof.field(j)->number();
            if (o_top.erase(number) > 0) {
                ++moved;
            } else if (auto it = o_all.find(number); it != o_all.end() && oneof_of(*it->second) != nullptr) {
                ++existing;
            }
        }
        const std::string at = path + "/" + oneof.name();
        if (moved > 1) {
            c.add("MULTIPLE_FIELDS_MOVED_TO_ONEOF", at);
        } else if (moved == 1 && existing > 0) {
            c.add("FIELD_MOVED_TO_EXISTING_ONEOF", at);
        }
    }
    // Oneofs by name: members compared, a member gone from the message is removed.
    for (int i = 0; i < o.real_oneof_decl_count(); ++i) {
        const gp::OneofDescriptor& oo = *o.oneof_decl(i);
        const gp::OneofDescriptor* uo = u.FindOneofByName(oo.name());
        if (uo == nullptr || uo->is_synthetic()) continue;  // removed: compatible
        for (int j = 0; j < oo.field_count(); ++j) {
            const field& of = *oo.field(j);
            const std::string at = path + "/" + oo.name() + "/" + std::to_string(of.number());
            const field* uf = nullptr;
            for (int k = 0; k < uo->field_count(); ++k) {
                if (uo->field(k)->number() == of.number()) uf = uo->field(k);
            }
            if (uf != nullptr) {
                compare_field(c, of, *uf, at);
            } else if (!u_all.contains(of.number())) {
                c.add("ONEOF_FIELD_REMOVED", at);
            }
        }
    }
    // Fields outside oneofs, by number.
    for (const auto& [number, f] : o_top) {
        const std::string at = path + "/" + std::to_string(number);
        auto it = u_top.find(number);
        if (it != u_top.end()) {
            compare_field(c, *f, *it->second, at);
        } else if (f->is_required()) {
            c.add("REQUIRED_FIELD_REMOVED", at);
        }
    }
    for (const auto& [number, f] : u_top) {
        if (!o_top.contains(number) && f->is_required())
            c.add("REQUIRED_FIELD_ADDED", path + "/" + std::to_string(number));
    }
    // Fields whose oneof membership changed are still compared by number.
    for (const auto& [number, of] : o_all) {
        auto it = u_all.find(number);
        if (it == u_all.end()) continue;
        const gp::OneofDescriptor* oo = oneof_of(*of);
        const gp::OneofDescriptor* uo = oneof_of(*it->second);
        const bool top_in_both = oo == nullptr && uo == nullptr;
        const bool same_oneof = oo != nullptr && uo != nullptr && oo->name() == uo->name();
        if (!top_in_both && !same_oneof) compare_field(c, *of, *it->second, path + "/" + std::to_string(number));
    }
    compare_types(c, messages_by_name([&] { return o.nested_type_count(); }, [&](int i) { return o.nested_type(i); }),
                  messages_by_name([&] { return u.nested_type_count(); }, [&](int i) { return u.nested_type(i); }),
                  path);
}

}  // namespace

std::vector<std::string> incompatibilities(const schema& original, const schema& update) {
    context c;
    const gp::FileDescriptor& o = original.file();
    const gp::FileDescriptor& u = update.file();
    if (o.package() != u.package()) c.add("PACKAGE_CHANGED", "#/");
    compare_types(c, messages_by_name([&] { return o.message_type_count(); }, [&](int i) { return o.message_type(i); }),
                  messages_by_name([&] { return u.message_type_count(); }, [&](int i) { return u.message_type(i); }),
                  "#");
    while (!c.pending.empty()) {
        auto [o_message, u_message, path] = std::move(c.pending.back());
        c.pending.pop_back();
        compare_queued(c, *o_message, *u_message, path);
    }
    return c.problems;
}

}  // namespace sluice::broker::schema_registry::protobuf

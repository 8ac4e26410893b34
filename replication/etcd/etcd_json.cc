#include "replication/etcd/etcd_json.h"

#include <boost/json.hpp>
#include <charconv>

#include "replication/etcd/base64.h"

namespace sluice::replication::etcd {

std::string prefix_end(const std::string& prefix) {
    // etcd's rule: increment the last byte that is not 0xff, dropping the rest.
    std::string end = prefix;
    while (!end.empty()) {
        auto last = static_cast<unsigned char>(end.back());
        if (last < 0xff) {
            end.back() = static_cast<char>(last + 1);
            return end;
        }
        end.pop_back();
    }
    return std::string(1, '\0');  // every key
}

compare compare::mod_revision_is(std::string key, int64_t revision) {
    return compare{std::move(key), target::mod_revision, op::equal, revision, {}};
}
compare compare::absent(std::string key) { return compare{std::move(key), target::version, op::equal, 0, {}}; }
compare compare::created_at(std::string key, int64_t revision) {
    return compare{std::move(key), target::create_revision, op::equal, revision, {}};
}
compare compare::value_is(std::string key, std::string value) {
    return compare{std::move(key), target::value, op::equal, 0, std::move(value)};
}

namespace json {

namespace bj = boost::json;

namespace {


error bad(std::string what) { return error{error::kind::bad_response, 0, "etcd answered " + std::move(what)}; }

// grpc-gateway writes int64 as a string; accept a number too.
bool read_int(const bj::object& o, std::string_view field, int64_t& out) {
    const bj::value* v = o.if_contains(field);
    if (v == nullptr) {
        out = 0;
        return true;
    }
    if (v->is_int64()) {
        out = v->as_int64();
        return true;
    }
    if (v->is_uint64()) {
        out = static_cast<int64_t>(v->as_uint64());
        return true;
    }
    if (!v->is_string()) return false;
    const auto& s = v->as_string();
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && end == s.data() + s.size();
}

bool read_bytes(const bj::object& o, std::string_view field, std::string& out) {
    const bj::value* v = o.if_contains(field);
    if (v == nullptr) {
        out.clear();
        return true;
    }
    if (!v->is_string()) return false;
    auto decoded = base64_decode(std::string_view(v->as_string().data(), v->as_string().size()));
    if (!decoded) return false;
    out = std::move(*decoded);
    return true;
}

bool read_header(const bj::object& o, header& out) {
    const bj::value* h = o.if_contains("header");
    if (h == nullptr) return true;
    return h->is_object() && read_int(h->as_object(), "revision", out.revision);
}

bool read_kv(const bj::value& v, key_value& out) {
    if (!v.is_object()) return false;
    const auto& o = v.as_object();
    return read_bytes(o, "key", out.key) && read_bytes(o, "value", out.value) &&
           read_int(o, "create_revision", out.create_revision) && read_int(o, "mod_revision", out.mod_revision) &&
           read_int(o, "version", out.version) && read_int(o, "lease", out.lease);
}

bool read_kvs(const bj::object& o, std::vector<key_value>& out) {
    const bj::value* kvs = o.if_contains("kvs");
    if (kvs == nullptr) return true;
    if (!kvs->is_array()) return false;
    for (const auto& item : kvs->as_array()) {
        key_value kv;
        if (!read_kv(item, kv)) return false;
        out.push_back(std::move(kv));
    }
    return true;
}

std::string text(std::string_view s) { return base64_encode(s); }
std::string number(int64_t n) { return std::to_string(n); }

bj::object range_object(const std::string& key, const std::string& range_end) {
    bj::object o;
    o["key"] = text(key);
    if (!range_end.empty()) o["range_end"] = text(range_end);
    return o;
}

bj::object put_object(const put_op& op) {
    bj::object o;
    o["key"] = text(op.key);
    o["value"] = text(op.value);
    if (op.lease != 0) o["lease"] = number(op.lease);
    return o;
}

bj::object delete_object(const delete_op& op) { return range_object(op.key, op.range_end); }

bj::value op_object(const txn_op& op) {
    bj::object o;
    if (auto* p = std::get_if<put_op>(&op)) o["request_put"] = put_object(*p);
    if (auto* d = std::get_if<delete_op>(&op)) o["request_delete_range"] = delete_object(*d);
    if (auto* r = std::get_if<range_op>(&op)) o["request_range"] = range_object(r->key, r->range_end);
    return o;
}

const char* target_name(compare::target t) {
    switch (t) {
        case compare::target::version: return "VERSION";
        case compare::target::create_revision: return "CREATE";
        case compare::target::mod_revision: return "MOD";
        case compare::target::value: return "VALUE";
        case compare::target::lease: return "LEASE";
    }
    return "MOD";
}

const char* op_name(compare::op o) {
    switch (o) {
        case compare::op::equal: return "EQUAL";
        case compare::op::greater: return "GREATER";
        case compare::op::less: return "LESS";
        case compare::op::not_equal: return "NOT_EQUAL";
    }
    return "EQUAL";
}

bj::value compare_object(const compare& c) {
    bj::object o;
    o["key"] = text(c.key);
    o["target"] = target_name(c.what);
    o["result"] = op_name(c.how);
    switch (c.what) {
        case compare::target::version: o["version"] = number(c.number); break;
        case compare::target::create_revision: o["create_revision"] = number(c.number); break;
        case compare::target::mod_revision: o["mod_revision"] = number(c.number); break;
        case compare::target::lease: o["lease"] = number(c.number); break;
        case compare::target::value: o["value"] = text(c.value); break;
    }
    return o;
}

const bj::object* as_object(const bj::value& v) { return v.is_object() ? &v.as_object() : nullptr; }

}  // namespace

std::string range_body(const std::string& key, const std::string& range_end) {
    return bj::serialize(range_object(key, range_end));
}
std::string put_body(const put_op& op) { return bj::serialize(put_object(op)); }
std::string delete_body(const delete_op& op) { return bj::serialize(delete_object(op)); }

std::string txn_body(const txn_request& txn) {
    bj::array compares, success, failure;
    for (const auto& c : txn.compares) compares.push_back(compare_object(c));
    for (const auto& op : txn.success) success.push_back(op_object(op));
    for (const auto& op : txn.failure) failure.push_back(op_object(op));
    bj::object o;
    o["compare"] = std::move(compares);
    o["success"] = std::move(success);
    o["failure"] = std::move(failure);
    return bj::serialize(o);
}

std::string lease_grant_body(int64_t ttl_seconds) {
    bj::object o;
    o["TTL"] = number(ttl_seconds);
    return bj::serialize(o);
}

std::string lease_id_body(int64_t id) {
    bj::object o;
    o["ID"] = number(id);
    return bj::serialize(o);
}

std::string watch_body(const std::string& key, const std::string& range_end, int64_t start_revision) {
    bj::object create = range_object(key, range_end);
    if (start_revision > 0) create["start_revision"] = number(start_revision);
    bj::object o;
    o["create_request"] = std::move(create);
    return bj::serialize(o);
}

result<range_response> parse_range(const bj::value& v) {
    const bj::object* o = as_object(v);
    range_response out;
    if (o == nullptr || !read_header(*o, out.head) || !read_kvs(*o, out.kvs)) return bad("an unreadable range");
    return out;
}

result<header> parse_header_only(const bj::value& v) {
    const bj::object* o = as_object(v);
    header out;
    if (o == nullptr || !read_header(*o, out)) return bad("an unreadable header");
    return out;
}

result<txn_response> parse_txn(const bj::value& v) {
    const bj::object* o = as_object(v);
    txn_response out;
    if (o == nullptr || !read_header(*o, out.head)) return bad("an unreadable txn");
    if (const bj::value* s = o->if_contains("succeeded")) {
        if (!s->is_bool()) return bad("a txn without a boolean 'succeeded'");
        out.succeeded = s->as_bool();
    }
    if (const bj::value* rs = o->if_contains("responses")) {
        if (!rs->is_array()) return bad("txn responses that are not an array");
        for (const auto& item : rs->as_array()) {
            std::vector<key_value> kvs;
            const bj::object* r = as_object(item);
            if (r == nullptr) return bad("a txn response that is not an object");
            if (const bj::value* range = r->if_contains("response_range")) {
                if (!range->is_object() || !read_kvs(range->as_object(), kvs)) return bad("an unreadable txn range");
            }
            out.results.push_back(std::move(kvs));
        }
    }
    return out;
}

result<lease_grant_response> parse_lease_grant(const bj::value& v) {
    const bj::object* o = as_object(v);
    lease_grant_response out;
    if (o == nullptr || !read_int(*o, "ID", out.id) || !read_int(*o, "TTL", out.ttl_seconds) || out.id == 0) {
        return bad("an unreadable lease grant");
    }
    return out;
}

result<int64_t> parse_keepalive(const bj::value& v) {
    const bj::object* o = as_object(v);
    if (o == nullptr) return bad("an unreadable keepalive");
    if (const bj::value* e = o->if_contains("error")) return parse_error(*e, 200);
    const bj::value* r = o->if_contains("result");
    int64_t ttl = 0;
    if (r == nullptr || !r->is_object() || !read_int(r->as_object(), "TTL", ttl)) return bad("an unreadable keepalive");
    return ttl;
}

result<watch_response> parse_watch(const bj::value& v) {
    const bj::object* o = as_object(v);
    if (o == nullptr) return bad("an unreadable watch message");
    if (const bj::value* e = o->if_contains("error")) return parse_error(*e, 200);
    const bj::value* rv = o->if_contains("result");
    const bj::object* r = rv == nullptr ? nullptr : as_object(*rv);
    watch_response out;
    if (r == nullptr || !read_header(*r, out.head) || !read_int(*r, "compact_revision", out.compact_revision)) {
        return bad("an unreadable watch message");
    }
    if (const bj::value* c = r->if_contains("created")) out.created = c->is_bool() && c->as_bool();
    if (const bj::value* c = r->if_contains("canceled")) out.canceled = c->is_bool() && c->as_bool();
    if (const bj::value* events = r->if_contains("events")) {
        if (!events->is_array()) return bad("watch events that are not an array");
        for (const auto& item : events->as_array()) {
            const bj::object* e = as_object(item);
            watch_event ev;
            if (e == nullptr) return bad("a watch event that is not an object");
            if (const bj::value* type = e->if_contains("type")) {
                if (!type->is_string()) return bad("a watch event type that is not a string");
                ev.what = type->as_string() == "DELETE" ? watch_event::kind::remove : watch_event::kind::put;
            }
            const bj::value* kv = e->if_contains("kv");
            if (kv == nullptr || !read_kv(*kv, ev.kv)) return bad("a watch event without a readable kv");
            out.events.push_back(std::move(ev));
        }
    }
    return out;
}

error parse_error(const bj::value& v, int http_status) {
    error e{error::kind::server, 0, "etcd answered HTTP " + std::to_string(http_status)};
    const bj::object* o = as_object(v);
    if (o == nullptr) return e;
    int64_t code = 0;
    // Unary answers say "code"; errors inside a stream say "grpc_code".
    if (read_int(*o, "code", code) && code == 0) read_int(*o, "grpc_code", code);
    e.grpc_code = static_cast<int>(code);
    if (const bj::value* m = o->if_contains("message"); m != nullptr && m->is_string()) {
        e.message = std::string(m->as_string());
    } else if (const bj::value* m2 = o->if_contains("error"); m2 != nullptr && m2->is_string()) {
        e.message = std::string(m2->as_string());
    }
    return e;
}

}  // namespace json
}  // namespace sluice::replication::etcd

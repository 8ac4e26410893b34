#pragma once
// The parts of etcd's v3 KV, lease and watch API the cluster uses, as plain
// values. Keys and values are raw bytes (base64 only on the wire).
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace sluice::replication::etcd {

// An etcd failure as a value: unreachable (every endpoint tried), timed out,
// or an error etcd answered with (its gRPC code and message).
struct error {
    enum class kind { unavailable, timeout, server, bad_response };
    kind what = kind::unavailable;
    int grpc_code = 0;  // for server errors: 5 not found, 9 failed precondition, ...
    std::string message;
};

// A value or an error; callbacks receive one of these.
template <typename T>
class result {
public:
    result(T value) : v_(std::move(value)) {}
    result(error e) : v_(std::move(e)) {}
    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() { return std::get<0>(v_); }
    const T& value() const { return std::get<0>(v_); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    const error& err() const { return std::get<1>(v_); }

private:
    std::variant<T, error> v_;
};

struct key_value {
    std::string key;
    std::string value;
    int64_t create_revision = 0;
    int64_t mod_revision = 0;
    int64_t version = 0;  // 0 means the key does not exist
    int64_t lease = 0;
    bool operator==(const key_value&) const = default;
};

// The revision of the store when etcd answered.
struct header {
    int64_t revision = 0;
};

struct range_response {
    header head;
    std::vector<key_value> kvs;
};

// [key, range_end): an empty range_end means `key` alone; prefix_end(p)
// gives every key starting with p.
std::string prefix_end(const std::string& prefix);

// One comparison of a transaction's guard.
struct compare {
    enum class target { version, create_revision, mod_revision, value, lease };
    enum class op { equal, greater, less, not_equal };
    std::string key;
    target what = target::mod_revision;
    op how = op::equal;
    int64_t number = 0;  // for every target but value
    std::string value;   // for target::value

    static compare mod_revision_is(std::string key, int64_t revision);
    static compare absent(std::string key);  // version == 0
    static compare created_at(std::string key, int64_t revision);
    static compare value_is(std::string key, std::string value);
};

struct put_op {
    std::string key;
    std::string value;
    int64_t lease = 0;
};
struct delete_op {
    std::string key;
    std::string range_end;
};
struct range_op {
    std::string key;
    std::string range_end;
};
using txn_op = std::variant<put_op, delete_op, range_op>;

struct txn_request {
    std::vector<compare> compares;
    std::vector<txn_op> success;
    std::vector<txn_op> failure;
};

struct txn_response {
    header head;
    bool succeeded = false;
    // One entry per operation of the branch taken; the kvs of range ops
    // (empty for puts and deletes).
    std::vector<std::vector<key_value>> results;
};

struct lease_grant_response {
    int64_t id = 0;
    int64_t ttl_seconds = 0;
};

struct watch_event {
    enum class kind { put, remove };
    kind what = kind::put;
    key_value kv;
};

struct watch_response {
    header head;
    bool created = false;
    bool canceled = false;
    int64_t compact_revision = 0;  // set when the start revision was compacted away
    std::vector<watch_event> events;
};

}  // namespace sluice::replication::etcd

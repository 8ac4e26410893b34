#pragma once
// The authorizer's lookup structure: every stored ACL, indexed so a decision
// touches only the ACLs that can apply to one resource.
//
// Per resource type: literal names in a hash map (looked up by string_view,
// no allocation), the literal "*" entries in a list, and prefixed names in a
// hash map plus the sorted set of prefix lengths present — a lookup probes
// only the name's prefixes of those lengths. Built once from the stored
// bindings and then only read; the authorizer swaps in a new one when the
// stored ACLs change.
#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "broker/security/acl.h"

namespace sluice::broker::security {

// What an ACL says about one resource, without the resource.
struct acl_entry {
    std::string principal;
    std::string host;
    acl_operation operation;
    acl_permission permission;
};

// Who asks: both point at the session's strings, which outlive the call.
struct requester {
    std::string_view principal;
    std::string_view host;
};

class acl_index {
public:
    acl_index() = default;
    explicit acl_index(std::vector<acl_binding> bindings);

    enum class verdict { allowed, denied, no_acls };
    // Kafka's decision for `who` doing `op` on the resource: a matching DENY
    // wins, then a matching ALLOW (with implied operations); no_acls when no
    // ACL of any principal applies to the resource (the caller's
    // allow.everyone.if.no.acl.found decides).
    verdict decide(const requester& who, acl_operation op, resource_type type, std::string_view name) const;

    // Kafka's authorizeByResourceType without the no-ACL default: whether an
    // ALLOW for `op` on some resource of `type` applies to `who` and no DENY
    // of the same or a wider pattern cancels it. Scans the type's ACLs.
    bool allows_any(const requester& who, acl_operation op, resource_type type) const;

    const std::vector<acl_binding>& bindings() const { return bindings_; }
    size_t size() const { return bindings_.size(); }

private:
    struct string_hash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    using entries_by_name = std::unordered_map<std::string, std::vector<acl_entry>, string_hash, std::equal_to<>>;
    struct per_type {
        entries_by_name literal;
        std::vector<acl_entry> wildcard;  // LITERAL "*"
        entries_by_name prefixed;
        std::vector<size_t> prefix_lengths;  // sorted, distinct
    };

    std::vector<acl_binding> bindings_;
    std::array<per_type, resource_type_count> types_;
};

}  // namespace sluice::broker::security

#include "broker/security/acl.h"

#include <array>
#include <initializer_list>

namespace sluice::broker::security {

namespace {

constexpr std::array<std::string_view, resource_type_count> resource_names{
    "UNKNOWN", "ANY", "TOPIC", "GROUP", "CLUSTER", "TRANSACTIONAL_ID", "DELEGATION_TOKEN", "USER"};
constexpr std::array<std::string_view, 5> pattern_names{"UNKNOWN", "ANY", "MATCH", "LITERAL", "PREFIXED"};
constexpr std::array<std::string_view, acl_operation_count> operation_names{"UNKNOWN",
                                                                            "ANY",
                                                                            "ALL",
                                                                            "READ",
                                                                            "WRITE",
                                                                            "CREATE",
                                                                            "DELETE",
                                                                            "ALTER",
                                                                            "DESCRIBE",
                                                                            "CLUSTER_ACTION",
                                                                            "DESCRIBE_CONFIGS",
                                                                            "ALTER_CONFIGS",
                                                                            "IDEMPOTENT_WRITE",
                                                                            "CREATE_TOKENS",
                                                                            "DESCRIBE_TOKENS"};
constexpr std::array<std::string_view, 4> permission_names{"UNKNOWN", "ANY", "DENY", "ALLOW"};

template <typename Enum>
Enum in_range(int8_t code, size_t count) {
    return code >= 0 && static_cast<size_t>(code) < count ? static_cast<Enum>(code) : Enum::unknown;
}

bool is_unknown(resource_type t, pattern_type p, acl_operation op, acl_permission perm) {
    return t == resource_type::unknown || p == pattern_type::unknown || op == acl_operation::unknown ||
           perm == acl_permission::unknown;
}

}  // namespace

resource_type resource_type_of(int8_t code) { return in_range<resource_type>(code, resource_names.size()); }
pattern_type pattern_type_of(int8_t code) { return in_range<pattern_type>(code, pattern_names.size()); }
acl_operation operation_of(int8_t code) { return in_range<acl_operation>(code, operation_names.size()); }
acl_permission permission_of(int8_t code) { return in_range<acl_permission>(code, permission_names.size()); }

std::string_view name_of(resource_type t) { return resource_names[static_cast<size_t>(t)]; }
std::string_view name_of(pattern_type p) { return pattern_names[static_cast<size_t>(p)]; }
std::string_view name_of(acl_operation op) { return operation_names[static_cast<size_t>(op)]; }
std::string_view name_of(acl_permission p) { return permission_names[static_cast<size_t>(p)]; }

// Kafka's checks on a new ACL (AclControlManager.validateNewAcl and the
// request's own), in its words.
std::optional<std::string> invalid_binding(const acl_binding& b) {
    if (is_unknown(b.type, b.pattern, b.operation, b.permission)) {
        return "CreatableAcls contain unknown elements";
    }
    if (b.type == resource_type::any) return "Invalid resourceType " + std::string(name_of(b.type));
    if (b.pattern != pattern_type::literal && b.pattern != pattern_type::prefixed) {
        return "Invalid patternType " + std::string(name_of(b.pattern));
    }
    if (b.operation == acl_operation::any) return "Invalid operation " + std::string(name_of(b.operation));
    if (b.permission != acl_permission::allow && b.permission != acl_permission::deny) {
        return "Invalid permissionType " + std::string(name_of(b.permission));
    }
    if (b.name.empty()) return "Resource name should not be empty";
    if (b.type == resource_type::cluster && b.name != cluster_name) {
        return "The only valid name for the CLUSTER resource is " + std::string(cluster_name);
    }
    if (b.principal.find(':') == std::string::npos) {
        return "Could not parse principal from `" + b.principal +
               "` (no colon is present separating the principal type from the principal name)";
    }
    return std::nullopt;
}

std::optional<std::string> invalid_filter(const acl_filter& f) {
    if (is_unknown(f.type, f.pattern, f.operation, f.permission)) return "Filter contain UNKNOWN elements";
    return std::nullopt;
}

// AclBindingFilter.matches: ResourcePatternFilter then AccessControlEntryFilter.
bool matches(const acl_filter& f, const acl_binding& b) {
    if (f.type != resource_type::any && f.type != b.type) return false;
    if (f.pattern != pattern_type::any && f.pattern != pattern_type::match && f.pattern != b.pattern) return false;
    if (f.name) {
        if (f.pattern == pattern_type::match && f.pattern != b.pattern) {
            bool hit = b.pattern == pattern_type::literal ? (*f.name == b.name || b.name == wildcard)
                                                          : std::string_view(*f.name).starts_with(b.name);
            if (!hit) return false;
        } else if (*f.name != b.name) {
            return false;
        }
    }
    if (f.principal && *f.principal != b.principal) return false;
    if (f.host && *f.host != b.host) return false;
    if (f.operation != acl_operation::any && f.operation != b.operation) return false;
    return f.permission == acl_permission::any || f.permission == b.permission;
}

bool allow_implies(acl_operation granted, acl_operation wanted) {
    if (granted == acl_operation::all || granted == wanted) return true;
    switch (wanted) {
        case acl_operation::describe:
            return granted == acl_operation::read || granted == acl_operation::write ||
                   granted == acl_operation::remove || granted == acl_operation::alter;
        case acl_operation::describe_configs:
            return granted == acl_operation::alter_configs;
        default:
            return false;
    }
}

int32_t supported_operations(resource_type type) {
    using op = acl_operation;
    auto bits = [](std::initializer_list<op> ops) {
        int32_t out = 0;
        for (op o : ops)
            out |= 1 << static_cast<int>(o);
        return out;
    };
    switch (type) {
        case resource_type::topic:
            return bits({op::read, op::write, op::create, op::describe, op::remove, op::alter, op::describe_configs,
                         op::alter_configs});
        case resource_type::group:
            return bits({op::read, op::describe, op::remove});
        case resource_type::cluster:
            return bits({op::create, op::cluster_action, op::describe_configs, op::alter_configs, op::idempotent_write,
                         op::alter, op::describe});
        case resource_type::transactional_id:
            return bits({op::describe, op::write});
        case resource_type::delegation_token:
            return bits({op::describe});
        case resource_type::user:
            return bits({op::create_tokens, op::describe_tokens});
        default:
            return 0;
    }
}

}  // namespace sluice::broker::security

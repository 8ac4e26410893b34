#pragma once
// Kafka's ACL model, with Kafka's wire codes: a binding is a resource pattern
// (type, name, LITERAL or PREFIXED) plus an entry (principal "Type:name",
// host, operation, ALLOW/DENY). Filters (DescribeAcls, DeleteAcls) add ANY
// to every field and MATCH to the pattern type; they match as Kafka's
// AclBindingFilter does.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::broker::security {

enum class resource_type : int8_t {
    unknown = 0,
    any = 1,
    topic = 2,
    group = 3,
    cluster = 4,
    transactional_id = 5,
    delegation_token = 6,
    user = 7,
};
inline constexpr int resource_type_count = 8;

enum class pattern_type : int8_t { unknown = 0, any = 1, match = 2, literal = 3, prefixed = 4 };

enum class acl_operation : int8_t {
    unknown = 0,
    any = 1,
    all = 2,
    read = 3,
    write = 4,
    create = 5,
    remove = 6,  // DELETE
    alter = 7,
    describe = 8,
    cluster_action = 9,
    describe_configs = 10,
    alter_configs = 11,
    idempotent_write = 12,
    create_tokens = 13,
    describe_tokens = 14,
};
inline constexpr int acl_operation_count = 15;

enum class acl_permission : int8_t { unknown = 0, any = 1, deny = 2, allow = 3 };

// The one name of the CLUSTER resource, and the name/principal/host wildcards.
inline constexpr std::string_view cluster_name = "kafka-cluster";
inline constexpr std::string_view wildcard = "*";
inline constexpr std::string_view wildcard_principal = "User:*";

// A wire code as Kafka's fromCode reads it: anything unknown is UNKNOWN.
resource_type resource_type_of(int8_t code);
pattern_type pattern_type_of(int8_t code);
acl_operation operation_of(int8_t code);
acl_permission permission_of(int8_t code);

std::string_view name_of(resource_type t);
std::string_view name_of(pattern_type p);
std::string_view name_of(acl_operation op);
std::string_view name_of(acl_permission p);

struct acl_binding {
    resource_type type = resource_type::unknown;
    std::string name;
    pattern_type pattern = pattern_type::literal;
    std::string principal;
    std::string host;
    acl_operation operation = acl_operation::unknown;
    acl_permission permission = acl_permission::unknown;
    bool operator==(const acl_binding&) const = default;
};

// Why Kafka refuses to store `b` (its INVALID_REQUEST message), or nullopt.
std::optional<std::string> invalid_binding(const acl_binding& b);

struct acl_filter {
    resource_type type = resource_type::any;
    std::optional<std::string> name{};  // nullopt: any name
    pattern_type pattern = pattern_type::any;
    std::optional<std::string> principal{};
    std::optional<std::string> host{};
    acl_operation operation = acl_operation::any;
    acl_permission permission = acl_permission::any;
};

// Why Kafka refuses `f` (UNKNOWN in any field), or nullopt.
std::optional<std::string> invalid_filter(const acl_filter& f);
bool matches(const acl_filter& f, const acl_binding& b);

// Whether an ALLOW entry for `granted` grants `wanted` (ALL grants all;
// READ/WRITE/DELETE/ALTER grant DESCRIBE; ALTER_CONFIGS grants
// DESCRIBE_CONFIGS). DENY entries deny only their own operation (or ALL).
bool allow_implies(acl_operation granted, acl_operation wanted);

// The operations Kafka reports for a resource type (AclEntry's supported
// operations) as a bit field: bit n set for operation code n.
int32_t supported_operations(resource_type type);

}  // namespace sluice::broker::security

#pragma once
// How ACLs are kept in the metadata store: records of kind "acl", one per
// binding. The key is the binding itself as a compact JSON array (so the
// same binding created twice is one record); the value is the binding as a
// JSON object with Kafka's names:
//   {"resourceType":"TOPIC","name":"orders","patternType":"LITERAL",
//    "principal":"User:alice","host":"*","operation":"READ","permissionType":"ALLOW"}
// A value that does not parse (written by a newer broker) is skipped with a
// warning rather than stopping every broker of the cluster.
#include <optional>
#include <string>
#include <string_view>

#include "broker/security/acl.h"

namespace sluice::broker::security {

inline constexpr std::string_view acl_record_kind = "acl";

std::string record_key(const acl_binding& b);
std::string record_value(const acl_binding& b);
std::optional<acl_binding> parse_record(std::string_view value);

}  // namespace sluice::broker::security

#pragma once
// What CreateAcls, DescribeAcls and DeleteAcls share: their wire fields read
// into the ACL model, and Kafka's messages.
#include "broker/security/acl.h"
#include "protocol/generated/create_acls.h"
#include "protocol/generated/delete_acls.h"
#include "protocol/generated/describe_acls.h"

namespace sluice::broker {

inline constexpr const char* no_authorizer_message = "No Authorizer is configured.";
inline constexpr const char* cluster_denied_message = "Cluster authorization failed.";

inline security::acl_binding binding_of(const protocol::create_acls_request::acl_creation& c) {
    return {security::resource_type_of(c.resource_type),
            c.resource_name,
            security::pattern_type_of(c.resource_pattern_type),
            c.principal,
            c.host,
            security::operation_of(c.operation),
            security::permission_of(c.permission_type)};
}

inline security::acl_filter filter_of(const protocol::describe_acls_request& r) {
    return {security::resource_type_of(r.resource_type_filter),
            r.resource_name_filter,
            security::pattern_type_of(r.pattern_type_filter),
            r.principal_filter,
            r.host_filter,
            security::operation_of(r.operation),
            security::permission_of(r.permission_type)};
}

inline security::acl_filter filter_of(const protocol::delete_acls_request::delete_acls_filter& r) {
    return {security::resource_type_of(r.resource_type_filter),
            r.resource_name_filter,
            security::pattern_type_of(r.pattern_type_filter),
            r.principal_filter,
            r.host_filter,
            security::operation_of(r.operation),
            security::permission_of(r.permission_type)};
}

}  // namespace sluice::broker

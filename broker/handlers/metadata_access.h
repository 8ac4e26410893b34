#pragma once
// What a Metadata request's principal may see and create, and the
// authorized-operations fields: everything, when no authorizer is on.
#include <string_view>

#include "broker/handlers/metadata.h"
#include "broker/security/authorizer.h"

namespace sluice::broker {

class metadata_access {
public:
    explicit metadata_access(const metadata_view& view) : view_(view) {}

    bool may_describe(std::string_view topic) const {
        return allowed(security::acl_operation::describe, security::resource_type::topic, topic);
    }
    bool may_create(std::string_view topic) const {
        return allowed(security::acl_operation::create, security::resource_type::cluster, security::cluster_name) ||
               allowed(security::acl_operation::create, security::resource_type::topic, topic);
    }
    int32_t topic_operations(std::string_view topic) const { return operations(security::resource_type::topic, topic); }
    int32_t cluster_operations() const { return operations(security::resource_type::cluster, security::cluster_name); }

private:
    bool allowed(security::acl_operation op, security::resource_type type, std::string_view name) const {
        return view_.authorizer == nullptr || view_.authorizer->authorize(view_.who, op, type, name);
    }
    int32_t operations(security::resource_type type, std::string_view name) const {
        if (view_.authorizer == nullptr) return security::supported_operations(type);
        return view_.authorizer->authorized_operations(view_.who, type, name);
    }

    const metadata_view& view_;
};

}  // namespace sluice::broker

#include "broker/security/acl_index.h"

#include <algorithm>

namespace sluice::broker::security {

namespace {

bool applies_to(const acl_entry& e, const requester& who) {
    return (e.principal == who.principal || e.principal == wildcard_principal) &&
           (e.host == wildcard || e.host == who.host);
}

// StandardAuthorizerData.findResult: DENY entries match their own operation
// (or ALL) only; ALLOW entries also grant the operations theirs implies.
bool grants(const acl_entry& e, acl_operation op) {
    if (e.permission == acl_permission::deny) return e.operation == acl_operation::all || e.operation == op;
    return allow_implies(e.operation, op);
}

struct tally {
    bool any = false;
    bool allow = false;
    bool deny = false;
    void add(std::span<const acl_entry> entries, const requester& who, acl_operation op) {
        if (entries.empty()) return;
        any = true;
        for (const auto& e : entries) {
            if (!applies_to(e, who) || !grants(e, op)) continue;
            (e.permission == acl_permission::deny ? deny : allow) = true;
        }
    }
};

}  // namespace

acl_index::acl_index(std::vector<acl_binding> bindings) : bindings_(std::move(bindings)) {
    for (const auto& b : bindings_) {
        auto& t = types_[static_cast<size_t>(b.type)];
        acl_entry e{b.principal, b.host, b.operation, b.permission};
        if (b.pattern == pattern_type::prefixed) {
            t.prefixed[b.name].push_back(std::move(e));
            t.prefix_lengths.push_back(b.name.size());
        } else if (b.name == wildcard) {
            t.wildcard.push_back(std::move(e));
        } else {
            t.literal[b.name].push_back(std::move(e));
        }
    }
    for (auto& t : types_) {
        std::sort(t.prefix_lengths.begin(), t.prefix_lengths.end());
        t.prefix_lengths.erase(std::unique(t.prefix_lengths.begin(), t.prefix_lengths.end()), t.prefix_lengths.end());
    }
}

acl_index::verdict acl_index::decide(const requester& who, acl_operation op, resource_type type,
                                     std::string_view name) const {
    const auto& t = types_[static_cast<size_t>(type)];
    tally seen;
    if (auto it = t.literal.find(name); it != t.literal.end()) seen.add(it->second, who, op);
    seen.add(t.wildcard, who, op);
    for (size_t len : t.prefix_lengths) {
        if (len > name.size()) break;
        if (auto it = t.prefixed.find(name.substr(0, len)); it != t.prefixed.end()) seen.add(it->second, who, op);
    }
    if (seen.deny) return verdict::denied;
    if (seen.allow) return verdict::allowed;
    return seen.any ? verdict::denied : verdict::no_acls;
}

bool acl_index::allows_any(const requester& who, acl_operation op, resource_type type) const {
    const auto& t = types_[static_cast<size_t>(type)];
    auto denies = [&](const std::vector<acl_entry>& entries) {
        return std::any_of(entries.begin(), entries.end(), [&](const acl_entry& e) {
            return e.permission == acl_permission::deny && applies_to(e, who) && grants(e, op);
        });
    };
    if (denies(t.wildcard)) return false;
    auto denied_by_prefix = [&](std::string_view name) {
        for (size_t len : t.prefix_lengths) {
            if (len > name.size()) break;
            auto it = t.prefixed.find(name.substr(0, len));
            if (it != t.prefixed.end() && denies(it->second)) return true;
        }
        return false;
    };
    for (const auto& b : bindings_) {
        if (b.type != type || b.permission != acl_permission::allow) continue;
        acl_entry e{b.principal, b.host, b.operation, b.permission};
        if (!applies_to(e, who) || !grants(e, op)) continue;
        if (b.pattern == pattern_type::literal && b.name != wildcard) {
            auto it = t.literal.find(b.name);
            if (it != t.literal.end() && denies(it->second)) continue;
        }
        if (b.name != wildcard && denied_by_prefix(b.name)) continue;
        return true;
    }
    return false;
}

}  // namespace sluice::broker::security

#include "broker/security/authorizer.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "broker/security/acl_records.h"

namespace sluice::broker::security {

authorizer::authorizer(authorizer_settings settings, replication::metadata_store& store, executor ex)
    : settings_(std::move(settings)), store_(store), ex_(std::move(ex)), index_(std::make_shared<acl_index>()) {
    if (!settings_.enabled) return;
    reload();
    watch_ = store_.watch_records(ex_, [this](const std::string& kind) {
        if (kind == acl_record_kind) reload();
    });
}

bool authorizer::is_super_user(std::string_view principal) const {
    return std::any_of(settings_.super_users.begin(), settings_.super_users.end(),
                       [&](const std::string& s) { return s == principal; });
}

bool authorizer::authorize(const requester& who, acl_operation op, resource_type type, std::string_view name) const {
    if (is_super_user(who.principal)) return true;
    switch (index_->decide(who, op, type, name)) {
        case acl_index::verdict::allowed:
            return true;
        case acl_index::verdict::denied:
            return false;
        case acl_index::verdict::no_acls:
            break;
    }
    return settings_.allow_everyone_if_no_acl_found;
}

// Kafka's default authorizeByResourceType first asks about a resource no
// ACL names, which settles super users and the no-ACL default.
bool authorizer::authorize_any(const requester& who, acl_operation op, resource_type type) const {
    if (authorize(who, op, type, "hardcode")) return true;
    return index_->allows_any(who, op, type);
}

int32_t authorizer::authorized_operations(const requester& who, resource_type type, std::string_view name) const {
    int32_t supported = supported_operations(type);
    int32_t bits = 0;
    for (int code = 0; code < acl_operation_count; ++code) {
        if ((supported & (1 << code)) != 0 && authorize(who, static_cast<acl_operation>(code), type, name)) {
            bits |= 1 << code;
        }
    }
    return bits;
}

void authorizer::reload() {
    std::vector<acl_binding> bindings;
    for (const auto& [key, value] : store_.records(acl_record_kind)) {
        if (auto b = parse_record(value)) {
            bindings.push_back(std::move(*b));
        } else {
            spdlog::warn("Skipping an unreadable stored ACL: {}", value);
        }
    }
    index_ = std::make_shared<const acl_index>(std::move(bindings));
}

void authorizer::create(std::vector<acl_binding> bindings, results_fn done) {
    apply(std::move(bindings), true, std::move(done));
}

void authorizer::remove(std::vector<acl_binding> bindings, results_fn done) {
    apply(std::move(bindings), false, std::move(done));
}

struct authorizer::batch {
    std::vector<acl_binding> bindings;
    std::vector<replication::op_result> results;
    size_t next = 0;
    bool put = true;
    results_fn done;
};

void authorizer::apply(std::vector<acl_binding> bindings, bool put, results_fn done) {
    auto b = std::make_shared<batch>();
    b->results.resize(bindings.size());
    b->bindings = std::move(bindings);
    b->put = put;
    b->done = std::move(done);
    apply_next(std::move(b));
}

// One update_records call per batch, each started when the previous one
// answered, so the store never sees more than max_record_changes at once.
void authorizer::apply_next(std::shared_ptr<batch> b) {
    if (b->next >= b->bindings.size()) {
        reload();
        b->done(std::move(b->results));
        return;
    }
    size_t first = b->next;
    size_t last = std::min(b->bindings.size(), first + replication::metadata_store::max_record_changes);
    replication::record_changes changes;
    for (size_t i = first; i < last; ++i) {
        const auto& binding = b->bindings[i];
        changes[record_key(binding)] = b->put ? std::optional<std::string>(record_value(binding)) : std::nullopt;
    }
    b->next = last;
    store_.update_records(std::string(acl_record_kind), std::move(changes), ex_,
                          [this, b, first, last](replication::op_result r) mutable {
                              for (size_t i = first; i < last; ++i)
                                  b->results[i] = r;
                              apply_next(std::move(b));
                          });
}

}  // namespace sluice::broker::security

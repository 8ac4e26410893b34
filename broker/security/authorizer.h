#pragma once
// The broker's authorizer: Kafka's StandardAuthorizer semantics over the ACLs
// kept in the metadata store (records of kind "acl", acl_records.h), so
// every broker of a cluster enforces the same ACLs.
//
// Decisions: super users may do anything; otherwise acl_index decides (DENY
// wins, then ALLOW with implied operations); a resource no ACL applies to is
// allowed only with allow.everyone.if.no.acl.found. Off (no
// authorizer.class.name) it is never asked: callers test enabled() first.
//
// Threading: lives on the broker's I/O thread. The index is rebuilt whole
// from the store when the "acl" records change (the store's watch, or this
// broker's own update answering ok) and is only read in between.
#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "broker/security/acl.h"
#include "broker/security/acl_index.h"
#include "replication/metadata_store.h"

namespace sluice::broker::security {

struct authorizer_settings {
    bool enabled = false;                  // authorizer.class.name set
    std::vector<std::string> super_users;  // super.users, "User:alice"
    bool allow_everyone_if_no_acl_found = false;
};

class authorizer {
public:
    using executor = boost::asio::any_io_executor;
    // One result per binding asked about, in order.
    using results_fn = std::function<void(std::vector<replication::op_result>)>;

    authorizer(authorizer_settings settings, replication::metadata_store& store, executor ex);

    bool enabled() const { return settings_.enabled; }
    bool authorize(const requester& who, acl_operation op, resource_type type, std::string_view name) const;
    // WRITE on any topic and the like (Kafka's authorizeByResourceType).
    bool authorize_any(const requester& who, acl_operation op, resource_type type) const;
    // The operations `who` may do on the resource, as Kafka's
    // authorized-operations bit field (bit n = operation code n).
    int32_t authorized_operations(const requester& who, resource_type type, std::string_view name) const;

    const acl_index& index() const { return *index_; }

    // Stores the bindings (each already valid) in batches of at most the
    // store's max_record_changes; `done` on this executor.
    void create(std::vector<acl_binding> bindings, results_fn done);
    // Removes the bindings (each one stored); same batching.
    void remove(std::vector<acl_binding> bindings, results_fn done);

private:
    bool is_super_user(std::string_view principal) const;
    void reload();
    struct batch;
    void apply(std::vector<acl_binding> bindings, bool put, results_fn done);
    void apply_next(std::shared_ptr<batch> b);

    authorizer_settings settings_;
    replication::metadata_store& store_;
    executor ex_;
    std::shared_ptr<const acl_index> index_;
    replication::metadata_store::subscription watch_;
};

}  // namespace sluice::broker::security

#pragma once
// Metadata, apart from the broker: what it answers depends on the topics,
// this node's identity and whether a missing topic may be created, so unit
// tests drive it with a registry over a temp dir.
#include <cstdint>
#include <functional>
#include <string>

#include "broker/handlers/common.h"
#include "broker/security/acl_index.h"
#include "protocol/generated/metadata.h"

namespace sluice::replication {
class metadata_store;
}

namespace sluice::broker {

class topic_registry;
namespace security {
class authorizer;
}

struct metadata_view {
    topic_registry& topics;
    int32_t node_id = 0;
    endpoint self;
    std::string cluster_id;
    // Creates a missing topic if auto-creation allows it (none: it exists now).
    std::function<protocol::error_code(const std::string& topic)> auto_create;
    // Cluster mode: brokers, controller and each partition's leader, replicas
    // and ISR come from here; without it this node is all of them.
    const replication::metadata_store* cluster = nullptr;
    // With ACLs enforced: topics `who` may not DESCRIBE are left out of an
    // all-topics answer and refused when named; a missing one is created
    // only with CREATE on the cluster or the topic.
    const security::authorizer* authorizer = nullptr;
    security::requester who{};
    // The listener the request came in on: other brokers are named by their
    // endpoint on it.
    std::string listener = {};
};

protocol::metadata_response answer_metadata(const protocol::metadata_request& body, int16_t version,
                                            const metadata_view& view);

}  // namespace sluice::broker

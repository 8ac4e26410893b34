#include <fmt/format.h>

#include "broker/broker.h"
#include "broker/handlers/produce_schema_ids.h"
#include "broker/schema_registry/registry_service.h"
#include "broker/topics/partition_leader.h"
#include "broker/topics/topic_registry.h"

// Kept apart from the pure check (produce_schema_ids.cc), which the fuzz
// target links without the registry service.
namespace sluice::broker {

namespace sr = schema_registry;

schema_id_refusal refuse_schema_ids(sr::registry_service* registry, protocol::bytes_view batch,
                                    const topic_settings& settings, std::string_view topic) {
    if (registry == nullptr) {
        schema_id_refusal out;
        out.code = protocol::error_code::invalid_record;
        out.message = fmt::format(
            "Topic {} validates schema ids, but this broker serves no schema registry (schema.registry.listeners is "
            "empty)",
            topic);
        return out;
    }
    bool may_be_stale = false;
    schema_id_refusal out = check_schema_ids(registry->state(), batch, settings, topic, may_be_stale);
    if (may_be_stale) {
        registry->catch_up();
        out = check_schema_ids(registry->state(), batch, settings, topic, may_be_stale);
    }
    return out;
}

bool schema_ids_await_catch_up(broker& b, const protocol::produce_request& body) {
    sr::registry_service* registry = b.schema_registry();
    if (registry == nullptr || !registry->may_catch_up()) return false;
    for (const auto& topic_data : body.topic_data) {
        topic_state* topic = b.topics().find(topic_data.name);
        if (topic == nullptr || !validates_schema_ids(topic->settings)) continue;
        for (const auto& part : topic_data.partition_data) {
            if (part.index < 0 || part.index >= static_cast<int32_t>(topic->partitions.size())) continue;
            if (!topic->partitions[static_cast<size_t>(part.index)]->replica.is_leader()) continue;
            auto view = part.records.contiguous();
            if (part.records.is_null() || !view) continue;
            // Not validated yet: a malformed batch walks to an error, which is not a miss.
            bool may_be_stale = false;
            (void)check_schema_ids(registry->state(), *view, topic->settings, topic->meta.name, may_be_stale);
            if (may_be_stale) return true;
        }
    }
    return false;
}

}  // namespace sluice::broker

#pragma once
// kafka-configs.sh --entity-type users / clients / ips with quota configs
// (producer_byte_rate, consumer_byte_rate, request_percentage,
// controller_mutation_rate; connection_creation_rate for ips):
// DescribeClientQuotas and AlterClientQuotas, printed as Kafka's
// ConfigCommand prints them.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tools/cli/kafka_client.h"

namespace sluice::tools::kafka_compat {

// One part of a quota entity: Kafka's entity type ("user", "client-id",
// "ip") and a name; "" is the default entity, nullopt every named one
// (describe only).
struct quota_component {
    std::string type;
    std::optional<std::string> name;
};

// Whether `key` is a quota config of the entity (ip entities take only
// connection_creation_rate, users and clients the other four).
bool is_quota_config(std::string_view key, bool ip);

// Java's Double.toString, as the script prints quota values ("1024.0", "1.048576E7").
std::string java_double(double value);

// "Quota configs for user-principal 'alice', the default client-id are k=v, ..." per entity.
void describe_client_quotas(kafka_client& client, const std::vector<quota_component>& entity);

// Sets and removes quota values of one entity (no nullopt names). A removed
// key the entity does not have is refused as Kafka's script refuses it.
void alter_client_quotas(kafka_client& client, const std::vector<quota_component>& entity,
                         const std::vector<std::pair<std::string, std::string>>& sets,
                         const std::vector<std::string>& deletes);

}  // namespace sluice::tools::kafka_compat

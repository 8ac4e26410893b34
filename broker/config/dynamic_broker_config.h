#pragma once
// Kafka's dynamic broker configs (KIP-226) and group configs (KIP-848's
// GROUP resource): which broker properties may change while the broker runs
// and at which level, the checks and messages of Kafka's ConfigAdminManager
// and DynamicBrokerConfig, and the text the changes are stored as.
//
// Levels, highest precedence first: per-broker dynamic (resource "<id>"),
// cluster-default dynamic (resource ""), static server.properties, default.
// broker_config::set_dynamic layers the first two over the static set.
//
// Stored as metadata-store records (replication/metadata_store.h), so every
// broker sees the same values and they survive restarts:
//   kind "broker_config", key "<id>" or "<default>": a JSON object name -> value
//   kind "group_config", key the group id:           a JSON object name -> value
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/config/broker_config.h"
#include "broker/config/config_entry.h"
#include "broker/config/op_result.h"
#include "broker/config/topic_config.h"

namespace sluice::broker {

inline constexpr std::string_view broker_config_record_kind = "broker_config";
inline constexpr std::string_view group_config_record_kind = "group_config";
// The record key of the cluster-wide default level (a record key cannot be "").
inline constexpr std::string_view cluster_default_key = "<default>";

using config_map = config_layer;

// Whether Kafka updates `name` dynamically (listener.name.<l>.<name> forms
// are judged by <name>).
bool is_dynamic_broker_config(std::string_view name);
// Dynamic, but only per broker (listener and security configs).
bool is_per_broker_config(std::string_view name);

// The whole new set of one level, checked as Kafka does before storing it:
// non-dynamic names, SSL configs without a listener prefix, values of the
// wrong type, per-broker configs at the default level. invalid_request with
// Kafka's message. Names Kafka does not know are allowed (custom configs).
op_result validate_dynamic_broker_configs(const config_map& props, bool per_broker);

// IncrementalAlterConfigs on one level's stored set: SET / DELETE, and
// APPEND / SUBTRACT for list configs, starting from the stored value or else
// the property's default (Kafka's prepareIncrementalConfigs).
op_result apply_broker_ops(config_map& props, const std::vector<alter_op>& ops);

// GROUP resources. Served when group.coordinator.rebalance.protocols holds
// "consumer" (Kafka: the new group coordinator is enabled).
bool group_configs_enabled(const broker_config& broker);
bool is_group_config(std::string_view name);
// Unknown names and values outside the broker's group.consumer.min/max
// bounds are invalid_config, with Kafka's messages.
op_result validate_group_configs(const config_map& overrides, const broker_config& broker);
// SET / DELETE; APPEND and SUBTRACT are refused (no group config is a list).
op_result apply_group_ops(config_map& overrides, const std::vector<alter_op>& ops);
// One entry per group config: the override (DYNAMIC_GROUP_CONFIG) or the
// broker property it defaults to, with that property's source.
std::vector<config_entry> describe_group(const config_map& overrides, const broker_config& broker,
                                         bool include_synonyms);
// The value in force for a group: its override, else the broker's.
int32_t group_config_int(const config_map& overrides, std::string_view name, const broker_config& broker);

// Record values: a flat JSON object of strings. nullopt when unreadable.
std::string encode_config_map(const config_map& props);
std::optional<config_map> decode_config_map(std::string_view json);

}  // namespace sluice::broker

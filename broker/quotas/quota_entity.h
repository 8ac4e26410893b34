#pragma once
// Client quota entities as Kafka names them: a user, a client id, or both
// (each either a name or <default>), or an IP address; the quota keys each
// may carry; and the order in which a connection's quota is looked up.
//
// Stored as metadata records of kind "quota" (replication/metadata_store.h):
// the key is the entity's canonical text, the value a JSON object of its
// quotas.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/error_code.h"

namespace sluice::broker::quotas {

inline constexpr std::string_view user_type = "user";
inline constexpr std::string_view client_id_type = "client-id";
inline constexpr std::string_view ip_type = "ip";

inline constexpr std::string_view producer_byte_rate = "producer_byte_rate";
inline constexpr std::string_view consumer_byte_rate = "consumer_byte_rate";
inline constexpr std::string_view request_percentage = "request_percentage";
inline constexpr std::string_view controller_mutation_rate = "controller_mutation_rate";
inline constexpr std::string_view connection_creation_rate = "connection_creation_rate";

// One component: nullopt name = the type's <default>.
using entity_name = std::optional<std::string>;

struct quota_entity {
    std::optional<entity_name> user;       // absent: not part of the entity
    std::optional<entity_name> client_id;
    std::optional<entity_name> ip;
    bool operator==(const quota_entity&) const = default;
};

using quota_values = std::map<std::string, double>;

// The entity's canonical text (the record key), and back.
std::string entity_key(const quota_entity& e);
std::optional<quota_entity> entity_from_key(std::string_view key);

std::string values_to_json(const quota_values& v);
std::optional<quota_values> values_from_json(std::string_view text);

// From the (type, name) pairs of a request; an error message if Kafka
// refuses the combination (an unknown or repeated type, ip with others).
struct parsed_entity {
    quota_entity entity;
    std::optional<std::string> error;
};
parsed_entity parse_entity(const std::vector<std::pair<std::string, entity_name>>& components);
// The (type, name) pairs of an entity, user first.
std::vector<std::pair<std::string, entity_name>> components_of(const quota_entity& e);

// Whether `key` may be set on `e` with `value`; an error message if not.
std::optional<std::string> check_quota(const quota_entity& e, std::string_view key, double value);

// Kafka's precedence for a (user, client id) connection, most specific
// first: /users/u/clients/c, /users/u/clients/<default>, /users/u,
// /users/<default>/clients/c, /users/<default>/clients/<default>,
// /users/<default>, /clients/c, /clients/<default>.
std::vector<quota_entity> lookup_order(const std::string& user, const std::string& client_id);

}  // namespace sluice::broker::quotas

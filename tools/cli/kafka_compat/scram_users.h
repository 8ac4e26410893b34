#pragma once
// kafka-configs.sh --entity-type users: SCRAM credentials only
// (SCRAM-SHA-256=[iterations=8192,password=...]).
#include <string>
#include <utility>
#include <vector>

#include "tools/cli/kafka_client.h"

namespace sluice::tools::kafka_compat {

// --alter: `sets` are the parsed --add-config items (mechanism -> "iterations=N,password=P"),
// `deletes` the --delete-config mechanism names. Prints Kafka's completion line per user.
void alter_scram_users(kafka_client& client, const std::vector<std::string>& users,
                       const std::vector<std::pair<std::string, std::string>>& sets,
                       const std::vector<std::string>& deletes);

// --describe: Kafka's "SCRAM credential configs for user-principal 'alice' are ..." lines.
void describe_scram_users(kafka_client& client, const std::vector<std::string>& users);

}  // namespace sluice::tools::kafka_compat

#pragma once
// Metadata look-ups shared by the topic and offset commands.
#include <optional>
#include <string>
#include <vector>

#include "protocol/generated/metadata.h"
#include "tools/cli/kafka_client.h"

namespace sluice::tools {

// Metadata for the given topics (all topics when nullopt). Never asks the
// broker to auto-create a topic: an admin look-up must not have side effects.
protocol::metadata_response fetch_metadata(kafka_client& client, const std::optional<std::vector<std::string>>& topics);

// The one topic's metadata; cli_error with the broker's error name when the
// topic is missing or in error.
protocol::metadata_response::metadata_response_topic fetch_topic(kafka_client& client, const std::string& topic);

// Kafka's text form of a topic id: URL-safe base64 without padding, as
// kafka-topics prints it.
std::string format_topic_id(const protocol::uuid& id);

}  // namespace sluice::tools

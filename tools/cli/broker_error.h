#pragma once
// Turning a Kafka error code in a response into a command failure that names
// the error the way Kafka's own tools do ("TOPIC_ALREADY_EXISTS").
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::tools {

// "UNKNOWN_TOPIC_OR_PARTITION (3)"
std::string describe_error(int16_t code);

// Throws cli_error "<context>: <NAME> (<code>)[: message]" when code != 0.
void check_error(int16_t code, const std::optional<std::string>& message, std::string_view context);

}  // namespace sluice::tools

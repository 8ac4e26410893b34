#pragma once
// Turning a Kafka error code in a response into a command failure that names
// the error the way Kafka's own tools do ("TOPIC_ALREADY_EXISTS").
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tools/cli/cli_error.h"

namespace sluice::tools {

// A command failure caused by a Kafka error code, so --json can report the
// code and its name.
class kafka_error : public cli_error {
public:
    kafka_error(int16_t code, const std::string& text) : cli_error(text), code_(code) {}
    int16_t code() const { return code_; }

private:
    int16_t code_;
};

// Kafka's name for the code: "UNKNOWN_TOPIC_OR_PARTITION".
std::string error_name_of(int16_t code);

// "UNKNOWN_TOPIC_OR_PARTITION (3)"
std::string describe_error(int16_t code);

// Throws kafka_error "<context>: <NAME> (<code>)[: message]" when code != 0.
void check_error(int16_t code, const std::optional<std::string>& message, std::string_view context);

}  // namespace sluice::tools

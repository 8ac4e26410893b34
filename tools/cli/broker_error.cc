#include "tools/cli/broker_error.h"

#include "protocol/error_code.h"
#include "tools/cli/cli_error.h"

namespace sluice::tools {

std::string describe_error(int16_t code) {
    return std::string(protocol::error_name(static_cast<protocol::error_code>(code))) + " (" + std::to_string(code) +
           ")";
}

std::string error_name_of(int16_t code) {
    return std::string(protocol::error_name(static_cast<protocol::error_code>(code)));
}

void check_error(int16_t code, const std::optional<std::string>& message, std::string_view context) {
    if (code == 0) return;
    std::string text = std::string(context) + ": " + describe_error(code);
    if (message && !message->empty()) text += ": " + *message;
    throw kafka_error(code, text);
}

}  // namespace sluice::tools

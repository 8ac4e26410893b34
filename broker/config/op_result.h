#pragma once
// The outcome of an admin operation (create topic, alter configs, ...): a
// Kafka error code that goes on the wire as is, and a message for the client's
// error_message field. Not an exception: these are answers to requests.
#include <string>

#include "protocol/error_code.h"

namespace sluice::broker {

struct op_result {
    protocol::error_code code = protocol::error_code::none;
    std::string message;
    bool ok() const { return code == protocol::error_code::none; }
};

}  // namespace sluice::broker

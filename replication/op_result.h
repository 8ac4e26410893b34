#pragma once
// The outcome of a metadata change (create a topic, alter its configs, ...):
// a Kafka error code that goes on the wire as is, and a message for the
// client's error_message field. Not an exception: these are answers to
// requests. broker/ uses the same type for every admin operation.
#include <string>

#include "protocol/error_code.h"

namespace sluice::replication {

struct op_result {
    protocol::error_code code = protocol::error_code::none;
    std::string message;
    bool ok() const { return code == protocol::error_code::none; }
};

}  // namespace sluice::replication

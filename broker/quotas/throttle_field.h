#pragma once
// Writes a connection's throttle into an encoded response's throttle_time_ms
// (the longer of the two wins), so a request_percentage throttle, known only
// once the handler has returned, reaches the client as Kafka reports it.
#include <cstdint>

#include "protocol/wire.h"

namespace sluice::broker::quotas {

// False when this version of the response has no throttle_time_ms (then the
// client learns of the throttle only from the muted channel).
bool raise_throttle_time(int16_t api_key, int16_t version, protocol::writer& body, int32_t ms);

}  // namespace sluice::broker::quotas

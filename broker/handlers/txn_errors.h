#pragma once
// PRODUCER_FENCED came with KIP-588; older versions of the transactional
// APIs carry INVALID_PRODUCER_EPOCH for the same refusal, as Kafka answers.
#include <cstdint>

#include "protocol/error_code.h"

namespace sluice::broker {

inline protocol::error_code fenced_for_version(protocol::error_code e, int16_t version, int16_t fenced_since) {
    return e == protocol::error_code::producer_fenced && version < fenced_since
               ? protocol::error_code::invalid_producer_epoch
               : e;
}

}  // namespace sluice::broker

#pragma once
// ListOffsets, apart from the broker: the answer depends only on the
// partitions' logs, so unit tests drive it with a registry over a temp dir.
#include <cstdint>

#include "protocol/generated/list_offsets.h"

namespace sluice::broker {

class topic_registry;

protocol::list_offsets_response answer_list_offsets(const protocol::list_offsets_request& body, int16_t version,
                                                    topic_registry& topics);

}  // namespace sluice::broker

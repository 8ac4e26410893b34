#pragma once
// ListOffsets, apart from the broker: the answer depends only on the
// partitions' logs, so unit tests drive it with a registry over a temp dir.
#include <cstdint>
#include <vector>

#include "protocol/generated/list_offsets.h"
#include "protocol/wire.h"

namespace sluice::broker {

class topic_registry;

// With `cold`, lookups by timestamp do not wait for the disk: the ranges a
// lookup needs read in are added to *cold, and while it is not empty the
// answer is incomplete (ask again once they are read in).
protocol::list_offsets_response answer_list_offsets(const protocol::list_offsets_request& body, int16_t version,
                                                    topic_registry& topics,
                                                    std::vector<protocol::file_slice>* cold = nullptr);

}  // namespace sluice::broker

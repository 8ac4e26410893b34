#pragma once
// A run of producer ids the cluster handed one broker (Kafka's
// AllocateProducerIds): [first, first + size). Blocks never overlap over the
// cluster's life, so a broker hands out ids without asking anyone, and an id
// is never given twice even across restarts (a block not used up is skipped).
#include <cstdint>
#include <limits>

#include "protocol/ids.h"

namespace sluice::replication {

struct producer_id_block {
    // Kafka's block size; it has no public setting for it either.
    static constexpr int64_t default_size = 1000;

    protocol::producer_id first{0};
    int64_t size = 0;

    // The id after the block's last.
    protocol::producer_id end() const { return protocol::producer_id(first.value() + size); }
    bool contains(protocol::producer_id id) const { return id >= first && id < end(); }
    bool operator==(const producer_id_block&) const = default;
};

// Whether a block of `size` can still start at `first`: producer ids are
// int64 and -1 means none, so the space ends at INT64_MAX.
constexpr bool producer_ids_left(int64_t first, int64_t size) {
    return first >= 0 && size > 0 && first <= std::numeric_limits<int64_t>::max() - size;
}

}  // namespace sluice::replication

#pragma once
// A monotonic counter: a plain integer, written only by the broker's I/O
// thread and read by the scrape, which runs on the same thread. No atomics,
// no locks, no allocation.
#include <cstdint>

namespace sluice::broker::metrics {

struct counter {
    uint64_t value = 0;
    void add(uint64_t n = 1) { value += n; }
};

}  // namespace sluice::broker::metrics

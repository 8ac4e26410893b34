#pragma once
// Counts calls of the global operator new (replaced for the broker test
// binary in allocation_counter.cc), so a test can assert that a hot path
// allocates nothing, or nothing per partition.
#include <cstddef>

namespace sluice::testing {

// Allocations made by this thread so far.
size_t allocations();

}  // namespace sluice::testing

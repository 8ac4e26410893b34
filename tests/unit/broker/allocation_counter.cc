#include "unit/broker/allocation_counter.h"

#include <cstdlib>
#include <new>

namespace sluice::testing {
namespace {
thread_local size_t count = 0;
}

size_t allocations() { return count; }

}  // namespace sluice::testing

// The replaceable global forms; the array and nothrow forms call these.
void* operator new(std::size_t size) {
    ++sluice::testing::count;
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}

void operator delete(void* p) noexcept { std::free(p); }

void operator delete(void* p, std::size_t) noexcept { std::free(p); }

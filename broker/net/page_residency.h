#pragma once
// Whether a byte range of a file is in the page cache, asked without reading
// it: sendfile of a range that is not would read the disk inside the syscall,
// on the I/O thread.
//
// cachestat(2) (Linux 6.5+) answers for the whole range in one syscall and
// copies nothing. Older kernels answer ENOSYS once and the check falls back to
// mincore(2) on a temporary mapping (mmap + mincore + munmap). preadv2 with
// RWF_NOWAIT was not used: it answers only by copying the range out, which is
// the copy sendfile exists to avoid.
#include <cstdint>

namespace sluice::broker {

enum class residency {
    resident,  // every page of the range is in the page cache
    missing,   // at least one page would have to be read from disk
    unknown,   // the kernel would not say (bad fd, ...); callers send as before
};

residency page_residency(int fd, uint64_t offset, uint64_t length);

// The fallback on its own, so a test can exercise it on any kernel.
residency page_residency_mincore(int fd, uint64_t offset, uint64_t length);

}  // namespace sluice::broker

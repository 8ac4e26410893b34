#include "broker/net/page_residency.h"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <memory>

// Debian 12's kernel headers predate cachestat; the number is the same on
// every architecture (the unified syscall table).
#ifndef __NR_cachestat
#define __NR_cachestat 451
#endif

namespace sluice::broker {

namespace {

struct cachestat_range {
    uint64_t off;
    uint64_t len;
};

struct cachestat_result {
    uint64_t nr_cache;
    uint64_t nr_dirty;
    uint64_t nr_writeback;
    uint64_t nr_evicted;
    uint64_t nr_recently_evicted;
};

uint64_t page_size() {
    static const uint64_t size = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    return size;
}

uint64_t pages_spanned(uint64_t offset, uint64_t length) {
    uint64_t first = offset / page_size();
    uint64_t last = (offset + length - 1) / page_size();
    return last - first + 1;
}

// Cleared the first time the kernel refuses cachestat.
std::atomic<bool> have_cachestat{true};

}  // namespace

residency page_residency_mincore(int fd, uint64_t offset, uint64_t length) {
    if (length == 0) return residency::resident;
    uint64_t start = offset - offset % page_size();
    size_t span = static_cast<size_t>(offset + length - start);
    // Mapping a file reads nothing; only touching the pages would.
    void* map = ::mmap(nullptr, span, PROT_READ, MAP_SHARED, fd, static_cast<off_t>(start));
    if (map == MAP_FAILED) return residency::unknown;
    size_t pages = static_cast<size_t>(pages_spanned(offset, length));
    auto vec = std::make_unique_for_overwrite<unsigned char[]>(pages);
    int rc = ::mincore(map, span, vec.get());
    ::munmap(map, span);
    if (rc != 0) return residency::unknown;
    for (size_t i = 0; i < pages; ++i) {
        if ((vec[i] & 1) == 0) return residency::missing;
    }
    return residency::resident;
}

residency page_residency(int fd, uint64_t offset, uint64_t length) {
    if (length == 0) return residency::resident;
    if (have_cachestat.load(std::memory_order_relaxed)) {
        cachestat_range range{offset, length};
        cachestat_result stat{};
        if (::syscall(__NR_cachestat, fd, &range, &stat, 0) == 0) {
            // Folios straddling the range are clipped to it, so a full range
            // counts exactly its pages.
            return stat.nr_cache >= pages_spanned(offset, length) ? residency::resident : residency::missing;
        }
        // ENOSYS: an older kernel; EPERM: a seccomp filter that does not
        // know the call (or a file we may not ask about, where mincore
        // answers "resident" and we send as before).
        if (errno != ENOSYS && errno != EPERM) return residency::unknown;
        have_cachestat.store(false, std::memory_order_relaxed);
    }
    return page_residency_mincore(fd, offset, length);
}

}  // namespace sluice::broker

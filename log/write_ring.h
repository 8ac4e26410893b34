#pragma once
// Writes to several files at once: the appends of one Produce request land
// in one active segment per partition, so no single pwritev can carry them;
// an io_uring can, with one io_uring_enter for all of them instead of one
// pwrite each. Still synchronous: write_all() returns only when every write
// has completed (or failed), so nobody can see an offset whose bytes are not
// in the page cache yet.
//
// One ring per thread, created at the first write_all() with two writes or
// more, sized for that call (later, larger calls go in chunks). A ring that
// cannot be created (old kernel, memlock limit, seccomp, io_uring disabled by
// sysctl) turns the ring off for the rest of the process, with one log line;
// writes then go out one pwrite each, as a single write always does.
//
// Short writes are completed, EINTR/EAGAIN retried. A failed write leaves
// whatever part of it landed in the file: the caller cuts it back (the log
// keeps the file ending on a batch boundary).
#include <cstddef>
#include <cstdint>
#include <span>

namespace sluice::log {

struct file_write {
    int fd = -1;
    std::span<const uint8_t> bytes;
    uint64_t offset = 0;
    bool ok = false;  // set by write_all
    int error = 0;    // errno of a failed write
};

namespace write_ring {

// Writes every entry and sets its `ok`.
void write_all(std::span<file_write> writes);

// sluice.produce.io_uring.enable (default false): off, every write goes
// through pwrite. Process-wide; set at startup.
void set_enabled(bool enabled);
bool enabled();

// Whether the ring is usable: false once creating one failed (the
// process-wide fallback) or when disabled.
bool available();

// Tests: makes the next ring creation fail as a kernel without io_uring
// would (the fallback for the rest of the process follows; the calling
// thread's ring goes first), and undoes it.
void simulate_setup_failure_for_tests(bool fail);
// Tests: how many writes went through a ring on this thread, and how many
// submissions (io_uring_enter calls) carried them.
struct counters {
    uint64_t ring_writes = 0;
    uint64_t submissions = 0;
};
counters thread_counters();

}  // namespace write_ring
}  // namespace sluice::log

#include "log/write_ring.h"

#include <liburing.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstring>
#include <vector>

#include "log/file_util.h"

namespace sluice::log::write_ring {
namespace {

std::atomic<bool> enabled_{false};  // sluice.produce.io_uring.enable
std::atomic<bool> unavailable_{false};
std::atomic<bool> simulate_failure_{false};

// A Produce request carries a few partitions to a few hundred; a larger one
// goes in chunks of the ring's size.
constexpr unsigned min_entries = 8;
constexpr unsigned max_entries = 256;
// A write that keeps coming back with EINTR/EAGAIN gives up eventually.
constexpr int max_rounds = 1000;

struct thread_ring {
    io_uring ring{};
    unsigned entries = 0;
    bool ready = false;
    counters stats;
    std::vector<size_t> done;      // bytes written, per write of the chunk
    std::vector<unsigned> pending;  // writes of the chunk not finished
    std::vector<unsigned> again;    // those to resubmit after this round
    ~thread_ring() {
        if (ready) io_uring_queue_exit(&ring);
    }
};
thread_local thread_ring local;

void turn_off(int error) {
    if (!unavailable_.exchange(true)) {
        spdlog::warn("log: io_uring unavailable ({}); appends are written with one pwrite each from now on",
                     std::strerror(error));
    }
}

bool ensure_ring(size_t wanted) {
    if (local.ready) return true;
    if (!enabled_.load(std::memory_order_relaxed) || unavailable_.load(std::memory_order_relaxed)) return false;
    const unsigned entries = std::clamp<unsigned>(std::bit_ceil(static_cast<unsigned>(std::min<size_t>(wanted, max_entries))),
                                                  min_entries, max_entries);
    int rc = simulate_failure_.load() ? -ENOSYS : io_uring_queue_init(entries, &local.ring, 0);
    if (rc < 0) {
        turn_off(-rc);
        return false;
    }
    local.ready = true;
    local.entries = entries;
    return true;
}

void pwrite_each(std::span<file_write> writes) {
    for (file_write& w : writes) {
        w.ok = file_util::pwrite_all(w.fd, w.bytes.data(), w.bytes.size(), w.offset);
        w.error = w.ok ? 0 : errno;
    }
}

// The ring broke (a submit failed for another reason than EINTR): nothing
// queued may reach the kernel later, so the ring goes, and the process
// writes with pwrite from now on.
void drop_ring(int error) {
    io_uring_queue_exit(&local.ring);
    local.ready = false;
    turn_off(error);
}

// Takes the completions of `count` submitted writes of `chunk`.
void harvest(std::span<file_write> chunk, unsigned count, std::vector<unsigned>& again) {
    for (unsigned k = 0; k < count; ++k) {
        io_uring_cqe* cqe = nullptr;
        int rc;
        do {
            rc = io_uring_wait_cqe(&local.ring, &cqe);
        } while (rc == -EINTR);
        if (rc < 0) {
            // Cannot happen without a timeout; leave the write failed rather than spin.
            spdlog::error("log: io_uring_wait_cqe failed: {}", std::strerror(-rc));
            return;
        }
        const auto i = static_cast<unsigned>(io_uring_cqe_get_data64(cqe));
        const int res = cqe->res;
        io_uring_cqe_seen(&local.ring, cqe);
        file_write& w = chunk[i];
        if (res > 0) {
            local.done[i] += static_cast<size_t>(res);
            if (local.done[i] == w.bytes.size()) {
                w.ok = true;
            } else {
                again.push_back(i);  // a short write: the rest goes in the next round
            }
        } else if (res == -EINTR || res == -EAGAIN) {
            again.push_back(i);
        } else {
            w.error = res == 0 ? EIO : -res;  // no progress on a non-empty write
        }
    }
}

// Writes one chunk (at most the ring's size) through the ring; what the
// ring could not take (it broke) is written with pwrite.
void write_chunk(std::span<file_write> chunk) {
    local.done.assign(chunk.size(), 0);
    local.pending.resize(chunk.size());
    for (unsigned i = 0; i < chunk.size(); ++i) local.pending[i] = i;
    std::vector<unsigned>& again = local.again;
    for (int round = 0; !local.pending.empty(); ++round) {
        if (round == max_rounds) {
            for (unsigned i : local.pending) chunk[i].error = EAGAIN;
            return;
        }
        for (unsigned i : local.pending) {
            file_write& w = chunk[i];
            io_uring_sqe* sqe = io_uring_get_sqe(&local.ring);  // never null: a chunk fits the ring
            const size_t off = local.done[i];
            io_uring_prep_write(sqe, w.fd, w.bytes.data() + off, static_cast<unsigned>(w.bytes.size() - off),
                                w.offset + off);
            io_uring_sqe_set_data64(sqe, i);
        }
        const auto queued = static_cast<unsigned>(local.pending.size());
        int rc = io_uring_submit_and_wait(&local.ring, queued);
        ++local.stats.submissions;
        // Interrupted before the kernel took everything: submit the rest.
        while (rc == -EINTR && io_uring_sq_ready(&local.ring) > 0) rc = io_uring_submit(&local.ring);
        const unsigned submitted = queued - io_uring_sq_ready(&local.ring);
        local.stats.ring_writes += submitted;
        again.clear();
        harvest(chunk, submitted, again);
        if (submitted < queued) {
            // The ring broke: what it did not take goes through pwrite.
            drop_ring(rc < 0 ? -rc : EIO);
            for (unsigned k = submitted; k < queued; ++k) again.push_back(local.pending[k]);
            for (unsigned i : again) {
                file_write& w = chunk[i];
                const size_t off = local.done[i];
                w.ok = file_util::pwrite_all(w.fd, w.bytes.data() + off, w.bytes.size() - off, w.offset + off);
                w.error = w.ok ? 0 : errno;
            }
            return;
        }
        local.pending.swap(again);
    }
}

}  // namespace

void write_all(std::span<file_write> writes) {
    for (file_write& w : writes) {
        w.ok = false;
        w.error = 0;
    }
    if (writes.size() < 2 || !enabled_.load(std::memory_order_relaxed) || !ensure_ring(writes.size())) {
        return pwrite_each(writes);
    }
    for (size_t at = 0; at < writes.size(); at += local.entries) {
        auto chunk = writes.subspan(at, std::min<size_t>(local.entries, writes.size() - at));
        if (local.ready) {
            write_chunk(chunk);
        } else {
            pwrite_each(chunk);  // an earlier chunk broke the ring
        }
    }
}

void set_enabled(bool enabled) { enabled_.store(enabled); }
bool enabled() { return enabled_.load(); }
bool available() { return enabled_.load() && !unavailable_.load(); }

void simulate_setup_failure_for_tests(bool fail) {
    simulate_failure_.store(fail);
    if (fail && local.ready) {
        io_uring_queue_exit(&local.ring);
        local.ready = false;
    }
    if (!fail) unavailable_.store(false);
}

counters thread_counters() { return local.stats; }

}  // namespace sluice::log::write_ring

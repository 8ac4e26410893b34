// I/O micro-benchmarks for the performance issue's "Redpanda found io_uring
// slower than linux-aio for storage — measure, don't assume": each of the
// broker's I/O paths as it is today next to its io_uring alternative.
//
//   append      a 16 KiB batch into the page cache: pwrite vs IORING_OP_WRITE
//   durability  fdatasync per batch vs group commit vs IORING_OP_FSYNC linked
//               after the writes
//   fetch       1 MiB from a cached file to a TCP loopback socket: sendfile vs
//               pread+send vs io_uring (splice through a pipe; read+send)
//
// Files live in a temp dir next to the binary (the build dir, on the repo's
// filesystem, so fdatasync reaches the disk a broker log would use; override
// with SLUICE_IO_BENCH_DIR). Every benchmark reports wall-clock time
// (UseRealTime): io_uring runs part of its work on kernel io-wq threads and
// fdatasync waits for the disk, neither of which the calling thread's CPU
// clock sees. The `other_cpu` counter is the CPU those other threads of the
// process (io-wq workers; in the fetch benchmarks also the drain thread) used
// per operation.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <liburing.h>
#include <netinet/in.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

constexpr size_t batch_bytes = 16 << 10;
constexpr off_t wrap_bytes = 64 << 20;
constexpr size_t fetch_bytes = 1 << 20;
constexpr unsigned ring_entries = 128;

// An error message; empty means success.
using failure = std::string;

failure sys_error(const char* what, int err) { return std::string(what) + ": " + std::strerror(err); }

class unique_fd {
public:
    unique_fd() = default;
    explicit unique_fd(int fd) : fd_(fd) {}
    unique_fd(unique_fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    unique_fd& operator=(unique_fd&& other) noexcept {
        reset(std::exchange(other.fd_, -1));
        return *this;
    }
    ~unique_fd() { reset(); }
    void reset(int fd = -1) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }
    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }

private:
    int fd_ = -1;
};

std::filesystem::path scratch_base() {
    if (const char* dir = std::getenv("SLUICE_IO_BENCH_DIR")) return dir;
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::filesystem::temp_directory_path() : exe.parent_path();
}

// One file in its own temp dir; both removed on destruction.
class scratch_file {
public:
    scratch_file() = default;
    scratch_file(const scratch_file&) = delete;
    scratch_file& operator=(const scratch_file&) = delete;
    ~scratch_file() {
        fd_.reset();
        std::error_code ec;
        if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
    }

    failure open() {
        std::string pattern = (scratch_base() / "sluice-io-bench-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            int err = errno;
            return sys_error(("mkdtemp " + pattern).c_str(), err);
        }
        dir_ = pattern;
        fd_.reset(::open((dir_ / "data").c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        if (!fd_) return sys_error("open", errno);
        return {};
    }
    int fd() const { return fd_.get(); }

private:
    std::filesystem::path dir_;
    unique_fd fd_;
};

std::vector<uint8_t> make_payload(size_t bytes) {
    std::vector<uint8_t> data(bytes);
    for (size_t i = 0; i < bytes; ++i) data[i] = static_cast<uint8_t>(i * 131 + 7);
    return data;
}

failure pwrite_all(int fd, const uint8_t* data, size_t len, off_t offset) {
    while (len > 0) {
        ssize_t n = ::pwrite(fd, data, len, offset);
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_error("pwrite", errno);
        }
        data += n;
        len -= static_cast<size_t>(n);
        offset += n;
    }
    return {};
}

failure pread_all(int fd, uint8_t* data, size_t len, off_t offset) {
    while (len > 0) {
        ssize_t n = ::pread(fd, data, len, offset);
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_error("pread", errno);
        }
        if (n == 0) return "pread: unexpected end of file";
        data += n;
        len -= static_cast<size_t>(n);
        offset += n;
    }
    return {};
}

failure send_all(int sock, const uint8_t* data, size_t len) {
    while (len > 0) {
        ssize_t n = ::send(sock, data, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_error("send", errno);
        }
        data += n;
        len -= static_cast<size_t>(n);
    }
    return {};
}

// Where the next batch goes in a file cut back to empty every 64 MiB, so the
// append benchmarks measure page-cache appends rather than filling the disk.
// The cut is not timed: a broker drops old segments off the append path.
class append_cursor {
public:
    explicit append_cursor(int fd) : fd_(fd) {}
    off_t next() { return std::exchange(offset_, offset_ + static_cast<off_t>(batch_bytes)); }
    failure wrap_if_full(benchmark::State& state) {
        if (offset_ < wrap_bytes) return {};
        state.PauseTiming();
        int rc = ::ftruncate(fd_, 0);
        int err = errno;
        state.ResumeTiming();
        if (rc != 0) return sys_error("ftruncate", err);
        offset_ = 0;
        return {};
    }

private:
    int fd_;
    off_t offset_ = 0;
};

double clock_seconds(clockid_t clock) {
    timespec ts{};
    ::clock_gettime(clock, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// CPU used by the process's threads other than the benchmark's own since
// construction: io_uring's io-wq workers are threads of this process, so work
// io_uring punts to them shows up here and not in the CPU column.
class other_threads_cpu {
public:
    other_threads_cpu() : start_(now()) {}
    double seconds() const { return now() - start_; }

private:
    static double now() { return clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - clock_seconds(CLOCK_THREAD_CPUTIME_ID); }
    double start_;
};

// Rates and per-operation figures when each iteration did `per_iteration`
// operations of `bytes_each` bytes.
void report(benchmark::State& state, int64_t per_iteration, size_t bytes_each, const other_threads_cpu& other) {
    const int64_t ops = static_cast<int64_t>(state.iterations()) * per_iteration;
    if (ops == 0) return;
    state.SetItemsProcessed(ops);
    state.SetBytesProcessed(ops * static_cast<int64_t>(bytes_each));
    state.counters["time_per_op"] =
        benchmark::Counter(static_cast<double>(ops), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    state.counters["other_cpu"] = benchmark::Counter(other.seconds() / static_cast<double>(ops));
}

class uring {
public:
    uring() = default;
    uring(const uring&) = delete;
    uring& operator=(const uring&) = delete;
    ~uring() {
        if (ready_) io_uring_queue_exit(&ring_);
    }

    failure init() {
        int rc = io_uring_queue_init(ring_entries, &ring_, 0);
        if (rc < 0) return sys_error("io_uring_queue_init", -rc);
        ready_ = true;
        return {};
    }

    // The next submission slot, tagged with its index in the coming
    // submit_and_reap(); never null as long as callers queue fewer than
    // ring_entries operations per submit.
    io_uring_sqe* slot(uint64_t index) {
        io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
        if (sqe != nullptr) sqe->user_data = index;
        return sqe;
    }

    // Submits the queued operations, waits for `count` completions and stores
    // each one's result at its tag (completions may arrive out of order).
    failure submit_and_reap(unsigned count, int* results) {
        int rc;
        do {
            rc = io_uring_submit_and_wait(&ring_, count);
        } while (rc == -EINTR);
        if (rc < 0) return sys_error("io_uring_submit_and_wait", -rc);
        for (unsigned i = 0; i < count; ++i) {
            io_uring_cqe* cqe = nullptr;
            rc = io_uring_wait_cqe(&ring_, &cqe);
            if (rc < 0) return sys_error("io_uring_wait_cqe", -rc);
            if (cqe->user_data < count) results[cqe->user_data] = cqe->res;
            io_uring_cqe_seen(&ring_, cqe);
        }
        return {};
    }

private:
    io_uring ring_{};
    bool ready_ = false;
};

// Sets up the file (and ring) a storage benchmark needs; the error if not.
failure open_storage(scratch_file& file, uring* ring) {
    if (auto err = file.open(); !err.empty()) return err;
    return ring != nullptr ? ring->init() : failure{};
}

// ---------------------------------------------------------------------------
// a. Append: 16 KiB batches into the page cache, no sync.

void io_append_pwrite(benchmark::State& state) {
    scratch_file file;
    if (auto err = open_storage(file, nullptr); !err.empty()) return state.SkipWithError(err.c_str());
    const auto batch = make_payload(batch_bytes);
    append_cursor cursor(file.fd());
    other_threads_cpu other;
    for (auto _ : state) {
        failure err = pwrite_all(file.fd(), batch.data(), batch.size(), cursor.next());
        if (err.empty()) err = cursor.wrap_if_full(state);
        if (!err.empty()) {
            state.SkipWithError(err.c_str());
            break;
        }
    }
    report(state, 1, batch_bytes, other);
}
BENCHMARK(io_append_pwrite)->UseRealTime();

// Batching without io_uring: N batches in one pwritev, the fair comparison
// for io_uring's N-writes-per-submit.
void io_append_pwritev(benchmark::State& state) {
    const auto per_call = static_cast<size_t>(state.range(0));
    scratch_file file;
    if (auto err = open_storage(file, nullptr); !err.empty()) return state.SkipWithError(err.c_str());
    const auto batch = make_payload(batch_bytes);
    std::vector<iovec> iov(per_call, iovec{const_cast<uint8_t*>(batch.data()), batch.size()});
    append_cursor cursor(file.fd());
    other_threads_cpu other;
    for (auto _ : state) {
        off_t offset = cursor.next();
        for (size_t i = 1; i < per_call; ++i) cursor.next();
        ssize_t n = ::pwritev(file.fd(), iov.data(), static_cast<int>(iov.size()), offset);
        failure err = n < 0                                            ? sys_error("pwritev", errno)
                      : static_cast<size_t>(n) != per_call * batch_bytes ? failure("pwritev: short write")
                                                                         : cursor.wrap_if_full(state);
        if (!err.empty()) {
            state.SkipWithError(err.c_str());
            break;
        }
    }
    report(state, static_cast<int64_t>(per_call), batch_bytes, other);
}
BENCHMARK(io_append_pwritev)->Arg(8)->UseRealTime();

// N independent IORING_OP_WRITEs per io_uring_enter (N = 1: one submit and
// wait per batch, like replacing each pwrite).
void io_append_uring_write(benchmark::State& state) {
    const auto per_submit = static_cast<unsigned>(state.range(0));
    scratch_file file;
    uring ring;
    if (auto err = open_storage(file, &ring); !err.empty()) return state.SkipWithError(err.c_str());
    const auto batch = make_payload(batch_bytes);
    std::vector<int> results(per_submit);
    append_cursor cursor(file.fd());
    other_threads_cpu other;
    for (auto _ : state) {
        failure err;
        for (unsigned i = 0; i < per_submit && err.empty(); ++i) {
            io_uring_sqe* sqe = ring.slot(i);
            if (sqe == nullptr) err = "io_uring: submission queue full";
            else io_uring_prep_write(sqe, file.fd(), batch.data(), batch.size(), static_cast<uint64_t>(cursor.next()));
        }
        if (err.empty()) err = ring.submit_and_reap(per_submit, results.data());
        for (unsigned i = 0; i < per_submit && err.empty(); ++i) {
            if (results[i] < 0) err = sys_error("IORING_OP_WRITE", -results[i]);
            else if (static_cast<size_t>(results[i]) != batch_bytes) err = "IORING_OP_WRITE: short write";
        }
        if (err.empty()) err = cursor.wrap_if_full(state);
        if (!err.empty()) {
            state.SkipWithError(err.c_str());
            break;
        }
    }
    report(state, per_submit, batch_bytes, other);
}
BENCHMARK(io_append_uring_write)->Arg(1)->Arg(8)->UseRealTime();

// ---------------------------------------------------------------------------
// b. Durability: a batch counts only once fdatasync has returned, so one
// iteration is a group of N appends plus one sync, and time_per_op is the
// cost per acknowledged batch. The file grows (as a segment does), so every
// sync also journals the new size.

void io_sync_pwrite_fdatasync(benchmark::State& state) {
    const auto group = static_cast<unsigned>(state.range(0));
    scratch_file file;
    if (auto err = open_storage(file, nullptr); !err.empty()) return state.SkipWithError(err.c_str());
    const auto batch = make_payload(batch_bytes);
    append_cursor cursor(file.fd());
    other_threads_cpu other;
    for (auto _ : state) {
        failure err;
        for (unsigned i = 0; i < group && err.empty(); ++i)
            err = pwrite_all(file.fd(), batch.data(), batch.size(), cursor.next());
        if (err.empty() && ::fdatasync(file.fd()) != 0) err = sys_error("fdatasync", errno);
        if (err.empty()) err = cursor.wrap_if_full(state);
        if (!err.empty()) {
            state.SkipWithError(err.c_str());
            break;
        }
    }
    report(state, group, batch_bytes, other);
}
BENCHMARK(io_sync_pwrite_fdatasync)->Arg(1)->Arg(8)->Arg(64)->UseRealTime();

// The same through io_uring in one submit: N writes and an
// IORING_OP_FSYNC(DATASYNC), chained with IOSQE_IO_LINK so the sync starts
// only after every write has completed.
void io_sync_uring_write_fsync(benchmark::State& state) {
    const auto group = static_cast<unsigned>(state.range(0));
    scratch_file file;
    uring ring;
    if (auto err = open_storage(file, &ring); !err.empty()) return state.SkipWithError(err.c_str());
    const auto batch = make_payload(batch_bytes);
    std::vector<int> results(group + 1);
    append_cursor cursor(file.fd());
    other_threads_cpu other;
    for (auto _ : state) {
        failure err;
        for (unsigned i = 0; i <= group && err.empty(); ++i) {
            io_uring_sqe* sqe = ring.slot(i);
            if (sqe == nullptr) {
                err = "io_uring: submission queue full";
            } else if (i < group) {
                io_uring_prep_write(sqe, file.fd(), batch.data(), batch.size(), static_cast<uint64_t>(cursor.next()));
                sqe->flags |= IOSQE_IO_LINK;
            } else {
                io_uring_prep_fsync(sqe, file.fd(), IORING_FSYNC_DATASYNC);
            }
        }
        if (err.empty()) err = ring.submit_and_reap(group + 1, results.data());
        for (unsigned i = 0; i <= group && err.empty(); ++i) {
            if (results[i] < 0) err = sys_error(i < group ? "IORING_OP_WRITE" : "IORING_OP_FSYNC", -results[i]);
            else if (i < group && static_cast<size_t>(results[i]) != batch_bytes) err = "IORING_OP_WRITE: short write";
        }
        if (err.empty()) err = cursor.wrap_if_full(state);
        if (!err.empty()) {
            state.SkipWithError(err.c_str());
            break;
        }
    }
    report(state, group, batch_bytes, other);
}
BENCHMARK(io_sync_uring_write_fsync)->Arg(1)->Arg(8)->Arg(64)->UseRealTime();

// ---------------------------------------------------------------------------
// c. Fetch: 1 MiB of a segment in the page cache to a consumer's socket.
// The socket is blocking (the broker's is non-blocking and waits for
// writability in its reactor); this measures the data path, not the reactor.

// A connected TCP loopback pair whose far end a thread reads and discards,
// as a consumer would.
class loopback_sink {
public:
    loopback_sink() = default;
    loopback_sink(const loopback_sink&) = delete;
    loopback_sink& operator=(const loopback_sink&) = delete;
    ~loopback_sink() {
        if (thread_.joinable()) {
            ::shutdown(sender_.get(), SHUT_RDWR);
            thread_.join();
        }
    }

    failure open() {
        // A vanished peer must fail the send, not kill the whole binary.
        std::signal(SIGPIPE, SIG_IGN);
        unique_fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (!listener) return sys_error("socket", errno);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t addr_len = sizeof addr;
        if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return sys_error("bind", errno);
        if (::listen(listener.get(), 1) != 0) return sys_error("listen", errno);
        if (::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &addr_len) != 0)
            return sys_error("getsockname", errno);
        sender_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (!sender_) return sys_error("socket", errno);
        if (::connect(sender_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
            return sys_error("connect", errno);
        receiver_.reset(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!receiver_) return sys_error("accept4", errno);
        thread_ = std::thread([this] { drain(); });
        return {};
    }

    int fd() const { return sender_.get(); }

    // Ends the stream and checks that the peer received all `sent` bytes.
    failure finish(uint64_t sent) {
        ::shutdown(sender_.get(), SHUT_WR);
        thread_.join();
        if (drain_errno_ != 0) return sys_error("recv", drain_errno_);
        if (received_ != sent) return "loopback peer received fewer bytes than were sent";
        return {};
    }

private:
    void drain() {
        std::vector<uint8_t> buffer(256 << 10);
        for (;;) {
            ssize_t n = ::recv(receiver_.get(), buffer.data(), buffer.size(), 0);
            if (n > 0) {
                received_ += static_cast<uint64_t>(n);
            } else if (n == 0) {
                return;
            } else if (errno != EINTR) {
                drain_errno_ = errno;
                return;
            }
        }
    }

    unique_fd sender_;
    unique_fd receiver_;
    std::thread thread_;
    uint64_t received_ = 0;  // written by the drain thread, read after join
    int drain_errno_ = 0;
};

// A 1 MiB "segment" in the page cache (just written) and a draining socket.
struct fetch_setup {
    scratch_file file;
    loopback_sink sink;

    failure open() {
        if (auto err = file.open(); !err.empty()) return err;
        const auto data = make_payload(fetch_bytes);
        if (auto err = pwrite_all(file.fd(), data.data(), data.size(), 0); !err.empty()) return err;
        return sink.open();
    }
};

// Runs `send_once` (the fetch of 1 MiB) per iteration, then checks the peer
// got everything.
template <typename SendOnce>
void run_fetch(benchmark::State& state, fetch_setup& setup, SendOnce send_once) {
    other_threads_cpu other;
    uint64_t sent = 0;
    for (auto _ : state) {
        if (auto err = send_once(); !err.empty()) {
            state.SkipWithError(err.c_str());
            break;
        }
        sent += fetch_bytes;
    }
    if (state.error_occurred()) return;
    if (auto err = setup.sink.finish(sent); !err.empty()) return state.SkipWithError(err.c_str());
    report(state, 1, fetch_bytes, other);
}

bool open_or_skip(benchmark::State& state, fetch_setup& setup) {
    if (auto err = setup.open(); !err.empty()) {
        state.SkipWithError(err.c_str());
        return false;
    }
    return true;
}

// Today's path: the kernel copies page cache to socket buffers directly.
void io_fetch_sendfile(benchmark::State& state) {
    fetch_setup setup;
    if (!open_or_skip(state, setup)) return;
    run_fetch(state, setup, [&]() -> failure {
        off_t offset = 0;
        while (static_cast<size_t>(offset) < fetch_bytes) {
            ssize_t n = ::sendfile(setup.sink.fd(), setup.file.fd(), &offset, fetch_bytes - static_cast<size_t>(offset));
            if (n < 0 && errno != EINTR) return sys_error("sendfile", errno);
            if (n == 0) return "sendfile: unexpected end of file";
        }
        return {};
    });
}
BENCHMARK(io_fetch_sendfile)->UseRealTime();

// The copying path a broker without sendfile takes (TLS, or a user-space
// cache): read a chunk into a buffer, send it.
void io_fetch_pread_send(benchmark::State& state) {
    fetch_setup setup;
    if (!open_or_skip(state, setup)) return;
    std::vector<uint8_t> buffer(static_cast<size_t>(state.range(0)));
    run_fetch(state, setup, [&]() -> failure {
        for (size_t done = 0; done < fetch_bytes;) {
            const size_t len = std::min(buffer.size(), fetch_bytes - done);
            if (auto err = pread_all(setup.file.fd(), buffer.data(), len, static_cast<off_t>(done)); !err.empty())
                return err;
            if (auto err = send_all(setup.sink.fd(), buffer.data(), len); !err.empty()) return err;
            done += len;
        }
        return {};
    });
}
BENCHMARK(io_fetch_pread_send)->Arg(64 << 10)->Arg(1 << 20)->UseRealTime();

// Zero-copy like sendfile, but through io_uring: file -> pipe -> socket, the
// two IORING_OP_SPLICEs linked so that one submit moves one pipe-full.
void io_fetch_uring_splice(benchmark::State& state) {
    fetch_setup setup;
    if (!open_or_skip(state, setup)) return;
    uring ring;
    if (auto err = ring.init(); !err.empty()) return state.SkipWithError(err.c_str());
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return state.SkipWithError(sys_error("pipe2", errno).c_str());
    unique_fd pipe_r(pipe_fds[0]), pipe_w(pipe_fds[1]);
    // As large as allowed (1 MiB by default): fewer round trips per fetch.
    int pipe_size = ::fcntl(pipe_w.get(), F_SETPIPE_SZ, static_cast<int>(fetch_bytes));
    if (pipe_size < 0) pipe_size = ::fcntl(pipe_w.get(), F_GETPIPE_SZ);
    if (pipe_size <= 0) return state.SkipWithError(sys_error("F_GETPIPE_SZ", errno).c_str());
    const int sock = setup.sink.fd();

    // Moves what is left in the pipe to the socket, one splice at a time.
    auto empty_pipe = [&](size_t in_pipe) -> failure {
        while (in_pipe > 0) {
            io_uring_sqe* sqe = ring.slot(0);
            if (sqe == nullptr) return "io_uring: submission queue full";
            io_uring_prep_splice(sqe, pipe_r.get(), -1, sock, -1, static_cast<unsigned>(in_pipe), 0);
            int res = 0;
            if (auto err = ring.submit_and_reap(1, &res); !err.empty()) return err;
            if (res < 0) return sys_error("IORING_OP_SPLICE pipe->socket", -res);
            if (res == 0) return "IORING_OP_SPLICE pipe->socket: no progress";
            in_pipe -= static_cast<size_t>(res);
        }
        return {};
    };

    run_fetch(state, setup, [&]() -> failure {
        for (size_t done = 0; done < fetch_bytes;) {
            const auto len = static_cast<unsigned>(std::min(static_cast<size_t>(pipe_size), fetch_bytes - done));
            io_uring_sqe* to_pipe = ring.slot(0);
            io_uring_sqe* to_socket = ring.slot(1);
            if (to_pipe == nullptr || to_socket == nullptr) return "io_uring: submission queue full";
            io_uring_prep_splice(to_pipe, setup.file.fd(), static_cast<int64_t>(done), pipe_w.get(), -1, len, 0);
            to_pipe->flags |= IOSQE_IO_LINK;
            io_uring_prep_splice(to_socket, pipe_r.get(), -1, sock, -1, len, 0);
            int res[2] = {0, 0};
            if (auto err = ring.submit_and_reap(2, res); !err.empty()) return err;
            if (res[0] < 0) return sys_error("IORING_OP_SPLICE file->pipe", -res[0]);
            if (res[0] == 0) return "IORING_OP_SPLICE file->pipe: unexpected end of file";
            if (res[1] < 0 && res[1] != -ECANCELED) return sys_error("IORING_OP_SPLICE pipe->socket", -res[1]);
            // A short first splice cancels the second; a short second leaves
            // bytes behind. Either way the pipe must be empty before the next
            // chunk.
            const size_t moved_in = static_cast<size_t>(res[0]);
            const size_t moved_out = res[1] > 0 ? static_cast<size_t>(res[1]) : 0;
            if (auto err = empty_pipe(moved_in - moved_out); !err.empty()) return err;
            done += moved_in;
        }
        return {};
    });
}
BENCHMARK(io_fetch_uring_splice)->UseRealTime();

// The copying path through io_uring: IORING_OP_READ into a buffer linked to
// IORING_OP_SEND of it (MSG_WAITALL, so a send completes only when all of it
// is queued on the socket).
void io_fetch_uring_read_send(benchmark::State& state) {
    fetch_setup setup;
    if (!open_or_skip(state, setup)) return;
    uring ring;
    if (auto err = ring.init(); !err.empty()) return state.SkipWithError(err.c_str());
    std::vector<uint8_t> buffer(static_cast<size_t>(state.range(0)));
    const int sock = setup.sink.fd();
    run_fetch(state, setup, [&]() -> failure {
        for (size_t done = 0; done < fetch_bytes;) {
            const size_t len = std::min(buffer.size(), fetch_bytes - done);
            io_uring_sqe* read_sqe = ring.slot(0);
            io_uring_sqe* send_sqe = ring.slot(1);
            if (read_sqe == nullptr || send_sqe == nullptr) return "io_uring: submission queue full";
            io_uring_prep_read(read_sqe, setup.file.fd(), buffer.data(), static_cast<unsigned>(len), done);
            read_sqe->flags |= IOSQE_IO_LINK;
            io_uring_prep_send(send_sqe, sock, buffer.data(), len, MSG_WAITALL | MSG_NOSIGNAL);
            int res[2] = {0, 0};
            if (auto err = ring.submit_and_reap(2, res); !err.empty()) return err;
            if (res[0] < 0) return sys_error("IORING_OP_READ", -res[0]);
            if (res[0] == 0) return "IORING_OP_READ: unexpected end of file";
            if (res[1] < 0 && res[1] != -ECANCELED) return sys_error("IORING_OP_SEND", -res[1]);
            // Rare short read or send: finish this chunk with plain send().
            const size_t got = static_cast<size_t>(res[0]);
            const size_t sent = res[1] > 0 ? static_cast<size_t>(res[1]) : 0;
            if (auto err = send_all(sock, buffer.data() + sent, got - sent); !err.empty()) return err;
            done += got;
        }
        return {};
    });
}
BENCHMARK(io_fetch_uring_read_send)->Arg(64 << 10)->Arg(1 << 20)->UseRealTime();

}  // namespace

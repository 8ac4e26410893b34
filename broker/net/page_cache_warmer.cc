#include "broker/net/page_cache_warmer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <boost/asio/post.hpp>

namespace sluice::broker {

page_cache_warmer::page_cache_warmer()
    : scratch_(std::make_unique_for_overwrite<uint8_t[]>(chunk_bytes)), thread_([this] { run(); }) {}

page_cache_warmer::~page_cache_warmer() { stop(); }

void page_cache_warmer::warm(std::vector<protocol::file_slice> slices, boost::asio::any_io_executor executor,
                             std::function<void()> done) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        jobs_.push_back(job{std::move(slices), std::move(executor), std::move(done)});
    }
    wake_.notify_one();
}

void page_cache_warmer::stop() {
    std::deque<job> dropped;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        dropped.swap(jobs_);
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
    // `dropped` goes here, on the caller's (I/O) thread.
}

void page_cache_warmer::run() {
    for (;;) {
        job next;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (stopping_) return;
            next = std::move(jobs_.front());
            jobs_.pop_front();
        }
        read_in(next.slices);
        boost::asio::post(next.executor, [slices = std::move(next.slices), done = std::move(next.done)] { done(); });
    }
}

void page_cache_warmer::read_in(const std::vector<protocol::file_slice>& slices) {
    // readahead puts every slice's reads in flight at once (large requests,
    // queued together); the preads then wait until each page has arrived,
    // which readahead alone does not.
    for (const auto& s : slices) ::readahead(s.fd, static_cast<off64_t>(s.offset), s.length);
    for (const auto& s : slices) {
        uint64_t done = 0;
        while (done < s.length) {
            size_t want = static_cast<size_t>(std::min<uint64_t>(chunk_bytes, s.length - done));
            ssize_t n = ::pread(s.fd, scratch_.get(), want, static_cast<off_t>(s.offset + done));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            done += static_cast<uint64_t>(n);
        }
    }
}

}  // namespace sluice::broker

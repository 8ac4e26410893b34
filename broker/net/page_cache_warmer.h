#pragma once
// Reads file slices into the page cache on a thread of its own, so that
// sending them afterwards with sendfile on the I/O thread does not wait for
// the disk.
//
// A connection asks page_residency() about each file slice of a response
// when it queues it; if any slice is not resident, it hands those slices to
// warm() and sends the response only after `done` has run. Warm data (the
// usual case: a consumer close to the end of the log) never comes here and
// keeps the zero-copy path with one extra cachestat per slice.
//
// Threading: warm() and stop() are called on the I/O thread. Jobs run one at
// a time, in order, on the warmer's thread; each job's `done` is posted to
// the executor passed with it, together with the slices, so the slices'
// keepalives (the segments) are released on that executor and never here.
// stop() drops queued jobs without running their `done`, waits for the job
// in progress and joins the thread; it runs before the logs close.
//
// A slice that cannot be read (I/O error, file truncated meanwhile) is left
// as it is: the send that follows reports the error as it always did.
#include <boost/asio/any_io_executor.hpp>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "protocol/wire.h"

namespace sluice::broker {

class page_cache_warmer {
public:
    page_cache_warmer();
    ~page_cache_warmer();
    page_cache_warmer(const page_cache_warmer&) = delete;
    page_cache_warmer& operator=(const page_cache_warmer&) = delete;

    void warm(std::vector<protocol::file_slice> slices, boost::asio::any_io_executor executor,
              std::function<void()> done);
    void stop();

private:
    struct job {
        std::vector<protocol::file_slice> slices;
        boost::asio::any_io_executor executor;
        std::function<void()> done;
    };

    void run();
    void read_in(const std::vector<protocol::file_slice>& slices);

    // Reads go through this buffer only to wait for the pages to arrive.
    static constexpr size_t chunk_bytes = 256 * 1024;
    std::unique_ptr<uint8_t[]> scratch_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<job> jobs_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace sluice::broker

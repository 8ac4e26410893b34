#pragma once
// log.cleaner.threads worker threads, each with its own cleaner (key map of
// dedupe.buffer.size / threads bytes, buffers) and throttler (the io rate
// split evenly), running submitted tasks in order. The completion callback
// runs on the cleaner thread: the broker uses it to post
// log_cleaner::commit to the partition's owner executor.
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "compaction/clean_task.h"
#include "compaction/cleaner_config.h"

namespace sluice::compaction {

class cleaner_pool {
public:
    using done_fn = std::function<void(clean_result)>;

    explicit cleaner_pool(const cleaner_config& config);
    ~cleaner_pool();  // stop()
    cleaner_pool(const cleaner_pool&) = delete;
    cleaner_pool& operator=(const cleaner_pool&) = delete;

    void start();
    // Finishes the running tasks, drops the queued ones (their callbacks get
    // a `stale` result so the owner can log_cleaner::discard it), joins.
    void stop();
    void submit(clean_task task, done_fn done);

private:
    struct job {
        clean_task task;
        done_fn done;
    };
    void work(size_t index);

    cleaner_config config_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<job> queue_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace sluice::compaction

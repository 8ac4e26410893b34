#include "compaction/cleaner_pool.h"

#include "compaction/cleaner.h"
#include "compaction/throttler.h"

namespace sluice::compaction {

cleaner_pool::cleaner_pool(const cleaner_config& config) : config_(config) {}

cleaner_pool::~cleaner_pool() { stop(); }

void cleaner_pool::start() {
    std::lock_guard lock(mutex_);
    if (!threads_.empty()) return;
    stopping_ = false;
    int count = config_.threads > 0 ? config_.threads : 1;
    for (int i = 0; i < count; ++i) threads_.emplace_back([this, i] { work(static_cast<size_t>(i)); });
}

void cleaner_pool::stop() {
    std::deque<job> dropped;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        dropped.swap(queue_);
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
    for (auto& j : dropped) {
        clean_result result;
        result.tp = j.task.tp;
        result.incarnation = j.task.incarnation;
        result.dir = j.task.dir;
        result.error = clean_error::stale;
        result.next_dirty_offset = j.task.first_dirty_offset;
        if (j.done) j.done(std::move(result));
    }
}

void cleaner_pool::submit(clean_task task, done_fn done) {
    {
        std::lock_guard lock(mutex_);
        queue_.push_back({std::move(task), std::move(done)});
    }
    wake_.notify_one();
}

void cleaner_pool::work(size_t) {
    int count = config_.threads > 0 ? config_.threads : 1;
    throttler throttle(config_.max_io_bytes_per_second / count);
    cleaner worker(config_, &throttle);
    for (;;) {
        job j;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (stopping_) return;
            j = std::move(queue_.front());
            queue_.pop_front();
        }
        clean_result result = worker.run(j.task);
        if (j.done) j.done(std::move(result));
    }
}

}  // namespace sluice::compaction

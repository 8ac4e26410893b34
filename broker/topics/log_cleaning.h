#pragma once
// Runs the log cleaner (compaction/) for the broker's compacted topics.
//
// Every log.cleaner.backoff.ms the broker's I/O thread asks the cleaner for
// a task per compacted partition (a snapshot of closed segments) and hands
// it to the cleaner threads. A result comes back to the I/O thread, which
// marks the log swapping (compaction/swap.h) and sends the file work of the
// swap (renames, directory fsyncs, opening the new segment) to the
// background executor; when that is done the I/O thread puts the new
// segments into the log's list. So the partition is only ever touched by its
// owner, and the owner never waits on the disk.
//
// Ordering: the background executor runs jobs one at a time in order, and a
// deleted partition's directory is removed by a job posted after any swap
// already begun on it (log_manager::remove); the swap works through a
// directory fd anyway. Completions name the partition by incarnation
// (partition_ref.h), so a delete/re-create meanwhile is never mistaken for
// the log the work was for.
#include <cstdint>
#include <memory>

#include "broker/config/broker_config.h"
#include "log/background.h"

namespace boost::asio {
class io_context;
}

namespace sluice::compaction {
class log_cleaner;
class cleaner_pool;
}  // namespace sluice::compaction

namespace sluice::log {
struct topic_partition;
}

namespace sluice::compaction {
struct clean_result;
}

namespace sluice::broker {

class topic_registry;
struct partition_ref;

class log_cleaning {
public:
    // `background` runs the file work of segment swaps and discards (empty: inline).
    log_cleaning(const broker_config& config, boost::asio::io_context& io, topic_registry& topics,
                 log::background_executor background = {});
    ~log_cleaning();

    void start();
    // Stops the cleaner threads; results still in flight are dropped (their
    // staged files are removed now or by recovery at the next start).
    void stop();
    // Plans and submits work for every compacted partition (I/O thread).
    void run_once(int64_t now_ms);
    // Writes cleaner-offset-checkpoint (any thread).
    void write_checkpoints();
    void forget(const log::topic_partition& tp);

    const compaction::log_cleaner& cleaner() const { return *cleaner_; }

    // Cleanings committed since startup, and what they read and wrote (I/O
    // thread; the metrics scrape reads them).
    struct totals {
        uint64_t runs = 0;
        uint64_t failures = 0;
        uint64_t bytes_read = 0;
        uint64_t bytes_written = 0;
        double last_recopy_percent = 0;  // written / read of the last committed run
    };
    const totals& stats() const { return totals_; }

private:
    struct commit_work;
    void schedule();
    // I/O thread: a cleaner thread is done with `ref`'s task.
    void on_cleaned(const partition_ref& ref, compaction::clean_result result);
    // I/O thread: the background executor is done with the swap's files.
    void on_swapped(const std::shared_ptr<commit_work>& work);

    struct timer;
    bool enabled_;
    int64_t interval_ms_;
    boost::asio::io_context& io_;
    topic_registry& topics_;
    log::background_executor background_;
    std::unique_ptr<compaction::log_cleaner> cleaner_;
    std::unique_ptr<compaction::cleaner_pool> pool_;
    std::unique_ptr<timer> timer_;
    bool stopped_ = false;
    totals totals_;
};

}  // namespace sluice::broker

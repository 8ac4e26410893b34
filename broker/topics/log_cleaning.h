#pragma once
// Runs the log cleaner (compaction/) for the broker's compacted topics.
//
// Every log.cleaner.backoff.ms the broker's I/O thread asks the cleaner for
// a task per compacted partition (a snapshot of closed segments), hands it
// to the cleaner threads, and swaps the result in when it comes back — again
// on the I/O thread, so the partition is only ever touched by its owner.
#include <cstdint>
#include <memory>

#include "broker/config/broker_config.h"

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

namespace sluice::broker {

class topic_registry;

class log_cleaning {
public:
    log_cleaning(const broker_config& config, boost::asio::io_context& io, topic_registry& topics);
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

private:
    void schedule();

    struct timer;
    bool enabled_;
    int64_t interval_ms_;
    boost::asio::io_context& io_;
    topic_registry& topics_;
    std::unique_ptr<compaction::log_cleaner> cleaner_;
    std::unique_ptr<compaction::cleaner_pool> pool_;
    std::unique_ptr<timer> timer_;
    bool stopped_ = false;
};

}  // namespace sluice::broker

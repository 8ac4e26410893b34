#include "broker/topics/log_cleaning.h"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>

#include "broker/broker.h"
#include "broker/topics/partition_ref.h"
#include "broker/topics/topic_registry.h"
#include "compaction/cleaner_pool.h"
#include "compaction/log_cleaner.h"

namespace sluice::broker {

struct log_cleaning::timer {
    explicit timer(boost::asio::io_context& io) : t(io) {}
    boost::asio::steady_timer t;
};

namespace {

compaction::cleaner_config cleaner_config_of(const broker_config& c) {
    compaction::cleaner_config cc;
    cc.threads = std::max(1, c.log_cleaner_threads);
    cc.dedupe_buffer_bytes = static_cast<size_t>(std::max<int64_t>(c.log_cleaner_dedupe_buffer_size, 1 << 20));
    cc.io_buffer_bytes = static_cast<size_t>(std::max(c.log_cleaner_io_buffer_size, 4096));
    cc.backoff_ms = std::max<int64_t>(c.log_cleaner_backoff_ms, 1);
    if (auto v = c.value_of("log.cleaner.io.max.bytes.per.second")) cc.max_io_bytes_per_second = std::stod(*v);
    if (auto v = c.value_of("log.cleaner.io.buffer.load.factor")) cc.load_factor = std::stod(*v);
    return cc;
}

}  // namespace

log_cleaning::log_cleaning(const broker_config& config, boost::asio::io_context& io, topic_registry& topics,
                           log::background_executor background)
    : enabled_(config.log_cleaner_enable),
      interval_ms_(std::max<int64_t>(config.log_cleaner_backoff_ms, 1)),
      io_(io),
      topics_(topics),
      background_(std::move(background)),
      timer_(std::make_unique<timer>(io)) {
    auto cc = cleaner_config_of(config);
    cleaner_ = std::make_unique<compaction::log_cleaner>(cc);
    for (const auto& dir : config.log_dirs) cleaner_->load_checkpoint(dir);
    pool_ = std::make_unique<compaction::cleaner_pool>(cc);
}

log_cleaning::~log_cleaning() { stop(); }

void log_cleaning::start() {
    if (!enabled_) return;
    pool_->start();
    schedule();
}

void log_cleaning::stop() {
    if (stopped_) return;
    stopped_ = true;
    timer_->t.cancel();
    pool_->stop();
}

void log_cleaning::schedule() {
    timer_->t.expires_after(std::chrono::milliseconds(interval_ms_));
    timer_->t.async_wait([this](boost::system::error_code ec) {
        if (ec || stopped_) return;
        run_once(now_ms());
        schedule();
    });
}

struct log_cleaning::commit_work {
    partition_ref ref;
    compaction::clean_result result;
    compaction::swap_job job;
};

void log_cleaning::run_once(int64_t now) {
    for (const auto& [name, topic] : topics_.all()) {
        if (!topic->settings.compact) continue;
        for (const auto& p : topic->partitions) {
            auto task = cleaner_->plan(*p->log, now);
            if (!task) continue;
            pool_->submit(std::move(*task), [this, ref = ref_of(name, *p)](compaction::clean_result r) {
                // Back to the I/O thread, which owns the partition.
                boost::asio::post(io_, [this, ref, r = std::move(r)]() mutable { on_cleaned(ref, std::move(r)); });
            });
        }
    }
}

void log_cleaning::on_cleaned(const partition_ref& ref, compaction::clean_result result) {
    partition_state* ps = find_live(topics_, ref);
    if (stopped_ || ps == nullptr) {
        auto r = std::make_shared<compaction::clean_result>(std::move(result));
        log::run_in_background(background_, [this, r] { cleaner_->discard(*r); });
        return;
    }
    auto work = std::make_shared<commit_work>();
    work->ref = ref;
    work->result = std::move(result);
    work->job = cleaner_->begin_commit(*ps->log, work->result);
    // From here until on_swapped the log is marked swapping (if there is
    // anything to swap): retention and truncation leave its segments alone.
    log::run_in_background(background_, [this, work] {
        compaction::run_swap(work->job);
        boost::asio::post(io_, [this, work] { on_swapped(work); });
    });
}

void log_cleaning::on_swapped(const std::shared_ptr<commit_work>& work) {
    partition_state* ps = find_live(topics_, work->ref);
    if (ps == nullptr) {
        // Deleted meanwhile: the files were swapped (or not) in its doomed dir.
        cleaner_->abandon(work->result);
        return;
    }
    if (cleaner_->finish_commit(*ps->log, work->result, work->job, now_ms()) == compaction::commit_outcome::failed) {
        spdlog::warn("cleaning {}-{} failed; it will be retried", work->ref.topic, work->ref.partition);
        ++totals_.failures;
        return;
    }
    const compaction::clean_stats& st = work->result.stats;
    ++totals_.runs;
    totals_.bytes_read += st.bytes_read;
    totals_.bytes_written += st.bytes_written;
    if (st.bytes_read > 0) totals_.last_recopy_percent = 100.0 * double(st.bytes_written) / double(st.bytes_read);
}

void log_cleaning::write_checkpoints() { cleaner_->write_checkpoints(); }

void log_cleaning::forget(const log::topic_partition& tp) { cleaner_->forget(tp); }

}  // namespace sluice::broker

#include "broker/topics/log_cleaning.h"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>

#include "broker/broker.h"
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

log_cleaning::log_cleaning(const broker_config& config, boost::asio::io_context& io, topic_registry& topics)
    : enabled_(config.log_cleaner_enable),
      interval_ms_(std::max<int64_t>(config.log_cleaner_backoff_ms, 1)),
      io_(io),
      topics_(topics),
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

void log_cleaning::run_once(int64_t now) {
    for (const auto& [name, topic] : topics_.all()) {
        if (!topic->settings.compact) continue;
        for (const auto& p : topic->partitions) {
            auto task = cleaner_->plan(*p->log, now);
            if (!task) continue;
            log::partition_log* planned_for = p->log;
            std::string topic_name = name;
            int32_t index = p->index;
            pool_->submit(std::move(*task), [this, planned_for, topic_name, index](compaction::clean_result r) {
                // Back to the I/O thread, which owns the partition.
                boost::asio::post(io_, [this, planned_for, topic_name, index, r = std::move(r)] {
                    partition_state* ps = topics_.find(topic_name, index);
                    if (stopped_ || ps == nullptr || ps->log != planned_for) {
                        cleaner_->discard(r);
                        return;
                    }
                    if (cleaner_->commit(*ps->log, r, now_ms()) == compaction::commit_outcome::failed) {
                        spdlog::warn("cleaning {}-{} failed; it will be retried", topic_name, index);
                    }
                });
            });
        }
    }
}

void log_cleaning::write_checkpoints() { cleaner_->write_checkpoints(); }

void log_cleaning::forget(const log::topic_partition& tp) { cleaner_->forget(tp); }

}  // namespace sluice::broker

#pragma once
// A background executor for tests: jobs wait in a queue until the test runs
// them, so a test can look at the state between posting and running (and
// prove the poster did no disk work itself).
#include <deque>
#include <memory>

#include "log/background.h"

namespace sluice::log::testing {

class background_queue {
public:
    background_executor executor() {
        return [jobs = jobs_](background_job job) { jobs->push_back(std::move(job)); };
    }
    size_t size() const { return jobs_->size(); }
    bool empty() const { return jobs_->empty(); }
    // Runs every queued job (and those they post), in order.
    void run_all() {
        while (!jobs_->empty()) {
            auto job = std::move(jobs_->front());
            jobs_->pop_front();
            job();
        }
    }

private:
    std::shared_ptr<std::deque<background_job>> jobs_ = std::make_shared<std::deque<background_job>>();
};

}  // namespace sluice::log::testing

#pragma once
// Where the log sends blocking disk work its owner executor must not do
// (unlinking dropped segments, deleting a removed partition's directory).
//
// A background_executor runs each job later on another thread. The broker's
// is its one-thread background pool: jobs run one at a time in the order
// they were posted, and the crash stories here rely on that order (a
// partition's files are swapped before its directory is deleted, an older
// checkpoint is never written after a newer one). An empty executor runs the
// job at once on the caller's thread (tools, tests).
#include <functional>

namespace sluice::log {

using background_job = std::function<void()>;
using background_executor = std::function<void(background_job)>;

// Runs `job` on `executor`, or inline when there is none.
inline void run_in_background(const background_executor& executor, background_job job) {
    if (executor) {
        executor(std::move(job));
    } else {
        job();
    }
}

}  // namespace sluice::log

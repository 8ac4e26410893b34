#pragma once
// Runs asynchronous steps one after another — the admin handlers' topics,
// each changed through the metadata store, in request order as Kafka
// answers them — then `finish` with every step's result.
//
// A step may complete before it returns (the local store does): those are
// run in a loop, not by recursion, so a request naming thousands of topics
// cannot exhaust the stack.
#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

namespace sluice::broker {

template <typename Result>
void run_in_order(size_t count, std::function<void(size_t index, std::function<void(Result)> done)> step,
                  std::function<void(std::vector<Result>)> finish) {
    struct state {
        std::vector<Result> results;
        std::function<void(size_t, std::function<void(Result)>)> step;
        std::function<void(std::vector<Result>)> finish;
        size_t next = 0;
        bool waiting = false;  // a step has started and not completed
        bool pumping = false;  // pump() is on the stack
        void pump(const std::shared_ptr<state>& self) {
            pumping = true;
            while (!waiting && next < results.size()) {
                size_t i = next++;
                waiting = true;
                step(i, [self, i](Result r) {
                    self->results[i] = std::move(r);
                    self->waiting = false;
                    if (!self->pumping) self->pump(self);
                });
            }
            pumping = false;
            if (!waiting && next == results.size() && finish) {
                auto f = std::move(finish);
                finish = nullptr;
                f(std::move(results));
            }
        }
    };
    auto s = std::make_shared<state>();
    s->results.resize(count);
    s->step = std::move(step);
    s->finish = std::move(finish);
    s->pump(s);
}

}  // namespace sluice::broker

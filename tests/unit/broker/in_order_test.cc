// run_in_order: steps in order, one at a time, whether they complete inline
// or later; finish once with every result; no recursion for inline steps.
#include "broker/handlers/in_order.h"

#include <gtest/gtest.h>

#include <deque>

namespace sluice::broker {
namespace {

TEST(RunInOrder, InlineStepsRunInOrderAndFinishOnce) {
    std::vector<size_t> started;
    int finished = 0;
    std::vector<int> got;
    run_in_order<int>(
        3,
        [&](size_t i, std::function<void(int)> done) {
            started.push_back(i);
            done(static_cast<int>(i) * 10);
        },
        [&](std::vector<int> results) {
            ++finished;
            got = std::move(results);
        });
    EXPECT_EQ(started, (std::vector<size_t>{0, 1, 2}));
    EXPECT_EQ(finished, 1);
    EXPECT_EQ(got, (std::vector<int>{0, 10, 20}));
}

TEST(RunInOrder, ALaterStepHoldsBackTheNextOne) {
    std::deque<std::function<void()>> pending;  // completions "arriving later"
    std::vector<size_t> started;
    std::vector<int> got;
    int finished = 0;
    run_in_order<int>(
        3,
        [&](size_t i, std::function<void(int)> done) {
            started.push_back(i);
            if (i == 1) return done(11);  // this one answers at once
            pending.push_back([done, i] { done(static_cast<int>(i) + 100); });
        },
        [&](std::vector<int> results) {
            ++finished;
            got = std::move(results);
        });
    EXPECT_EQ(started, (std::vector<size_t>{0})) << "step 1 waits for step 0";
    ASSERT_EQ(pending.size(), 1u);
    auto next = std::move(pending.front());
    pending.pop_front();
    next();
    EXPECT_EQ(started, (std::vector<size_t>{0, 1, 2}));
    EXPECT_EQ(finished, 0);
    ASSERT_EQ(pending.size(), 1u);
    next = std::move(pending.front());
    pending.pop_front();
    next();
    EXPECT_EQ(finished, 1);
    EXPECT_EQ(got, (std::vector<int>{100, 11, 102}));
}

TEST(RunInOrder, NoStepsFinishesAtOnce) {
    int finished = 0;
    run_in_order<int>(
        0, [](size_t, std::function<void(int)>) { ADD_FAILURE() << "no step to run"; },
        [&](std::vector<int> results) {
            ++finished;
            EXPECT_TRUE(results.empty());
        });
    EXPECT_EQ(finished, 1);
}

TEST(RunInOrder, ManyInlineStepsDoNotGrowTheStack) {
    // Recursion would need ~1M nested frames here and crash.
    size_t count = 1'000'000;
    size_t sum = 0;
    bool finished = false;
    run_in_order<size_t>(
        count, [](size_t i, std::function<void(size_t)> done) { done(i); },
        [&](std::vector<size_t> results) {
            for (size_t r : results) sum += r;
            finished = true;
        });
    EXPECT_TRUE(finished);
    EXPECT_EQ(sum, count * (count - 1) / 2);
}

}  // namespace
}  // namespace sluice::broker

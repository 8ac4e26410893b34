// fetch_waiter / waiter_list: the intrusive lists parked fetches wait on.
#include "broker/fetch/fetch_waiter.h"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <vector>

namespace sluice::broker {
namespace {

// A waiter that runs `on_wake` when woken.
struct probe {
    std::function<void()> on_wake;
    int woken = 0;
    fetch_waiter node{[](void* self) {
                          auto* p = static_cast<probe*>(self);
                          ++p->woken;
                          if (p->on_wake) p->on_wake();
                      },
                      this};
};

TEST(WaiterList, WakesEveryWaiterOnceAndEmpties) {
    waiter_list list;
    probe a, b;
    list.add(a.node);
    list.add(b.node);
    EXPECT_EQ(list.size(), 2u);
    list.wake_all();
    EXPECT_EQ(a.woken, 1);
    EXPECT_EQ(b.woken, 1);
    EXPECT_TRUE(list.empty());
    EXPECT_FALSE(a.node.linked());
    list.wake_all();
    EXPECT_EQ(a.woken, 1);
}

TEST(WaiterList, WaiterThatParksAgainWaitsForTheNextWake) {
    waiter_list list;
    probe a;
    a.on_wake = [&] { list.add(a.node); };
    list.add(a.node);
    list.wake_all();  // would never return if the re-added node were seen
    EXPECT_EQ(a.woken, 1);
    EXPECT_TRUE(a.node.linked());
    list.wake_all();
    EXPECT_EQ(a.woken, 2);
}

TEST(WaiterList, WokenFetchMayUnlinkAnotherNodeNotYetWoken) {
    // A fetch that names one partition twice has two nodes in one list;
    // the first wake disarms the fetch, so the second must not run.
    waiter_list list;
    probe first, second;
    first.on_wake = [&] { second.node.unlink(); };
    list.add(first.node);
    list.add(second.node);
    list.wake_all();
    EXPECT_EQ(first.woken, 1);
    EXPECT_EQ(second.woken, 0);
}

TEST(WaiterList, AddMovesANodeBetweenLists) {
    waiter_list one, two;
    probe a;
    one.add(a.node);
    two.add(a.node);
    EXPECT_TRUE(one.empty());
    EXPECT_EQ(two.size(), 1u);
    one.wake_all();
    EXPECT_EQ(a.woken, 0);
}

TEST(WaiterList, EitherSideMayBeDestroyedFirst) {
    probe survivor;
    {
        waiter_list gone;  // a deleted topic's partition
        gone.add(survivor.node);
    }
    EXPECT_FALSE(survivor.node.linked());
    survivor.node.unlink();  // harmless

    waiter_list list;
    {
        probe finished;  // a fetch answered and freed
        list.add(finished.node);
        list.add(survivor.node);
    }
    EXPECT_EQ(list.size(), 1u);
    list.wake_all();
    EXPECT_EQ(survivor.woken, 1);
}

}  // namespace
}  // namespace sluice::broker

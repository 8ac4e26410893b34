#pragma once
// Long-poll waiting without allocation: a fetch that must wait owns one
// fetch_waiter per partition it reads and links each into that partition's
// waiter_list (an intrusive doubly-linked ring). Linking, unlinking and
// waking touch only pointers, so a wake that finds nothing new and parks
// the fetch again costs no allocation per partition.
//
// I/O thread only. Either side may go first: a node unlinks itself when
// destroyed, and a list unlinks its nodes when destroyed (a deleted topic),
// so neither is left pointing at the other.
#include <cstddef>

namespace sluice::broker {

class fetch_waiter {
public:
    using wake_fn = void (*)(void* context);

    fetch_waiter() = default;
    fetch_waiter(wake_fn wake, void* context) : wake_(wake), context_(context) {}
    fetch_waiter(const fetch_waiter&) = delete;
    fetch_waiter& operator=(const fetch_waiter&) = delete;
    ~fetch_waiter() { unlink(); }

    void set_wake(wake_fn wake, void* context) {
        wake_ = wake;
        context_ = context;
    }
    bool linked() const { return next_ != nullptr && next_ != this; }
    // Leaves whatever list holds it; nothing if none.
    void unlink();

private:
    friend class waiter_list;
    wake_fn wake_ = nullptr;
    void* context_ = nullptr;
    fetch_waiter* prev_ = nullptr;
    fetch_waiter* next_ = nullptr;
};

class waiter_list {
public:
    waiter_list();
    waiter_list(const waiter_list&) = delete;
    waiter_list& operator=(const waiter_list&) = delete;
    ~waiter_list();

    // Links `w` at the back (moving it from any list it is in).
    void add(fetch_waiter& w);
    bool empty() const { return head_.next_ == &head_; }
    size_t size() const;
    // Unlinks every waiter, then wakes each. A fetch that adds itself again
    // while being woken waits for the next call.
    void wake_all();

private:
    fetch_waiter head_;  // sentinel: the ring's start and end
};

}  // namespace sluice::broker

#include "broker/fetch/fetch_waiter.h"

namespace sluice::broker {

void fetch_waiter::unlink() {
    if (!linked()) return;
    prev_->next_ = next_;
    next_->prev_ = prev_;
    prev_ = next_ = nullptr;
}

waiter_list::waiter_list() { head_.prev_ = head_.next_ = &head_; }

waiter_list::~waiter_list() {
    while (!empty()) head_.next_->unlink();
}

void waiter_list::add(fetch_waiter& w) {
    w.unlink();
    w.prev_ = head_.prev_;
    w.next_ = &head_;
    head_.prev_->next_ = &w;
    head_.prev_ = &w;
}

size_t waiter_list::size() const {
    size_t n = 0;
    for (const fetch_waiter* w = head_.next_; w != &head_; w = w->next_) ++n;
    return n;
}

void waiter_list::wake_all() {
    if (empty()) return;
    // Move the whole ring to a local sentinel first: a woken fetch that
    // must keep waiting links itself here again, and must not be seen by
    // this loop (it would wake forever). A woken fetch may also unlink its
    // other nodes, some of them still in `woken`; unlinking needs only the
    // neighbours, so that is safe.
    fetch_waiter woken;
    woken.next_ = head_.next_;
    woken.prev_ = head_.prev_;
    woken.next_->prev_ = &woken;
    woken.prev_->next_ = &woken;
    head_.prev_ = head_.next_ = &head_;
    while (woken.linked()) {
        fetch_waiter* w = woken.next_;
        w->unlink();
        if (w->wake_ != nullptr) w->wake_(w->context_);
    }
}

}  // namespace sluice::broker

#pragma once
// The subscribers of a metadata store's watch (metadata_store::watch): each
// one an executor and a callback, held weakly so that dropping the
// subscription ends the notifications, even those already posted.
//
// Threading: notify() and add() may be called from any thread; callbacks run
// on their subscriber's executor.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "replication/metadata_store.h"

namespace sluice::replication {

class topic_watchers {
public:
    metadata_store::subscription add(metadata_store::executor ex, metadata_store::watch_fn on_change);
    // Posts `topics` to every live subscriber; nothing for an empty list.
    void notify(const std::vector<std::string>& topics);

private:
    struct subscriber {
        metadata_store::executor ex;
        metadata_store::watch_fn on_change;
    };
    std::mutex mu_;
    std::vector<std::weak_ptr<subscriber>> subscribers_;
};

}  // namespace sluice::replication

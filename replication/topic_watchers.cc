#include "replication/topic_watchers.h"

#include <algorithm>
#include <boost/asio/post.hpp>

namespace sluice::replication {

metadata_store::subscription topic_watchers::add(metadata_store::executor ex, metadata_store::watch_fn on_change) {
    auto s = std::make_shared<subscriber>(subscriber{std::move(ex), std::move(on_change)});
    std::lock_guard lock(mu_);
    std::erase_if(subscribers_, [](const auto& w) { return w.expired(); });
    subscribers_.push_back(s);
    return s;
}

void topic_watchers::notify(const std::vector<std::string>& topics) {
    if (topics.empty()) return;
    std::vector<std::shared_ptr<subscriber>> live;
    {
        std::lock_guard lock(mu_);
        for (const auto& w : subscribers_) {
            if (auto s = w.lock()) live.push_back(std::move(s));
        }
    }
    for (auto& s : live) {
        std::weak_ptr<subscriber> weak = s;
        boost::asio::post(s->ex, [weak, topics] {
            // The subscriber may have gone since: its callback must not run.
            if (auto alive = weak.lock()) alive->on_change(topics);
        });
    }
}

}  // namespace sluice::replication

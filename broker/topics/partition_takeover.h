#pragma once
// How a coordinator (groups, transactions) takes over a partition of its
// internal topic when this broker comes to lead it: the load runs on a later
// I/O turn, so the role change that elected it finishes first and requests
// meanwhile learn a load is in progress; it runs only if no resignation or
// newer election came since, and only while this broker still leads.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace sluice::broker {

class broker;
struct partition_state;

class partition_takeover {
public:
    using load_fn = std::function<void(int32_t partition, const partition_state&)>;
    partition_takeover(broker& b, std::string topic, load_fn load)
        : broker_(b), topic_(std::move(topic)), load_(std::move(load)) {}
    ~partition_takeover() { *alive_ = false; }
    partition_takeover(const partition_takeover&) = delete;
    partition_takeover& operator=(const partition_takeover&) = delete;

    void elected(int32_t partition);
    void resigned(int32_t partition) { pending_.erase(partition); }
    bool loading() const { return !pending_.empty(); }

private:
    void load_now(int32_t partition, uint64_t election);

    broker& broker_;
    std::string topic_;
    load_fn load_;
    std::map<int32_t, uint64_t> pending_;  // partition -> its latest election
    uint64_t counter_ = 0;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sluice::broker

#pragma once
// Real partition_logs in a temp dir for the follower side's tests, found by
// name as the broker finds them, and the bytes they hold.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <utility>

#include "broker/replica/partition_follower_log.h"
#include "unit/log/log_test_util.h"

namespace sluice::broker::replica::testing {

class log_dir {
public:
    // Opens (or re-opens, as a new incarnation) partition `p` of topic "t".
    log::partition_log& open(int32_t p, const log::log_config& config = {}) {
        log::partition_log::open_options options;
        options.clean_shutdown = true;
        options.now_ms = 1000;
        protocol::error_code error;
        auto log = log::partition_log::open(dir_.path() / ("t-" + std::to_string(p) + "-" + std::to_string(opened_++)),
                                            log::topic_partition{"t", p}, config, options, error);
        EXPECT_EQ(error, protocol::error_code::none);
        auto& slot = logs_[p];
        slot = std::move(log);
        return *slot;
    }
    // The partition is deleted: the broker no longer finds a log for it.
    void remove(int32_t p) { logs_.erase(p); }

    log::partition_log* find(const std::string& topic, int32_t p) {
        auto it = logs_.find(p);
        return topic == "t" && it != logs_.end() ? it->second.get() : nullptr;
    }
    partition_follower_log::log_lookup lookup() {
        return [this](const std::string& topic, int32_t p) { return find(topic, p); };
    }

private:
    log::testing::temp_dir dir_;
    int opened_ = 0;
    std::map<int32_t, std::unique_ptr<log::partition_log>> logs_;
};

// Everything the log holds from its start, as stored on disk.
inline protocol::bytes bytes_of(const log::partition_log& log) {
    return log::testing::slice_bytes(log.read(log.log_start_offset(), SIZE_MAX, INT64_MAX));
}

inline protocol::bytes concat(std::initializer_list<protocol::bytes_view> parts) {
    protocol::bytes out;
    for (auto p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

}  // namespace sluice::broker::replica::testing

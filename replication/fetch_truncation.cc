#include "replication/fetch_truncation.h"

#include <algorithm>

namespace sluice::replication {

truncation_decision decide_truncation(const follower_log& log, const epoch_end_offset& leader) {
    const protocol::offset leo = log.log_end_offset();
    if (leader.undefined()) {
        // The leader knows nothing of the epoch (or predates epochs): only
        // what was committed is known to be shared.
        return {std::min(log.high_watermark(), leo), true};
    }
    if (leader.epoch.value() < 0) return {std::min(leader.end_offset, leo), true};
    const epoch_end_offset own = log.end_offset_for(leader.epoch);
    if (own.undefined()) {
        // The follower did not track epochs back then; the leader's answer is
        // the best fact there is.
        return {std::min(leader.end_offset, leo), true};
    }
    if (own.epoch != leader.epoch) {
        // KIP-279: the follower never had the leader's epoch; cut to the end
        // of its own largest epoch below it and ask again from there.
        return {std::min(own.end_offset, leo), false};
    }
    return {std::min({own.end_offset, leader.end_offset, leo}), true};
}

out_of_range_step out_of_range_by_leader_end(const follower_log& log, protocol::offset leader_end) {
    if (leader_end < log.log_end_offset()) return {out_of_range_step::action::truncate_to, leader_end};
    return {out_of_range_step::action::need_leader_start, log.log_end_offset()};
}

out_of_range_step out_of_range_by_leader_start(const follower_log& log, protocol::offset leader_start) {
    if (leader_start > log.log_end_offset()) return {out_of_range_step::action::start_at, leader_start};
    return {out_of_range_step::action::fetch_from, log.log_end_offset()};
}

}  // namespace sluice::replication

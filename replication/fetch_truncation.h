#pragma once
// Where a follower truncates its log, as Kafka's fetcher decides it — pure
// functions over the follower's log and the leader's answer, so every rule
// has its own test.
//
// After a leader change a follower may hold records the new leader never got
// (KIP-101). It asks the leader where the follower's latest epoch ended there
// (OffsetForLeaderEpoch, or the DivergingEpoch of a Fetch response, KIP-320)
// and cuts its log at that point. When the leader answers with an earlier
// epoch than the one asked for, the follower cuts at the end of that epoch
// in its *own* cache too (KIP-279): the leader's end offset alone could keep
// follower records of an epoch the leader never saw.
#include "protocol/ids.h"
#include "replication/follower_log.h"

namespace sluice::replication {

struct truncation_decision {
    protocol::offset truncate_to;
    // false: the follower cut back to the end of an epoch the leader does not
    // share with it and must ask again with its new latest epoch.
    bool completed = true;
    bool operator==(const truncation_decision&) const = default;
};

// Kafka's AbstractFetcherThread.getOffsetTruncationState. `leader` is the
// leader's end offset for the epoch the follower asked about.
truncation_decision decide_truncation(const follower_log& log, const epoch_end_offset& leader);

// A fetch offset the leader refused as out of range (Kafka's
// fetchOffsetAndTruncate). Step one knows the leader's log end offset; when
// that is below the follower's, the follower truncates to it and fetches
// from there. Otherwise the leader's log start offset decides (step two).
struct out_of_range_step {
    enum class action { truncate_to, need_leader_start, start_at, fetch_from };
    action what;
    protocol::offset at;
    bool operator==(const out_of_range_step&) const = default;
};
out_of_range_step out_of_range_by_leader_end(const follower_log& log, protocol::offset leader_end);
// Step two: the leader's log start above the follower's end means the
// follower's records are all behind it: empty the log and start there.
// Otherwise fetch from the follower's end (the leader has it again).
out_of_range_step out_of_range_by_leader_start(const follower_log& log, protocol::offset leader_start);

}  // namespace sluice::replication

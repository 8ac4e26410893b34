#pragma once
// The transaction coordinator: Kafka's TransactionCoordinator. Keeps each
// transactional id's state (txn_metadata.h) in `__transaction_state`
// (txn_log.h), answers InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn,
// EndTxn, DescribeTransactions and ListTransactions, and ends transactions
// with markers (marker_sender.h).
//
// Which ids: those of the `__transaction_state` partitions this broker
// leads, as the group coordinator follows `__consumer_offsets`. A cluster
// loads a partition when its leadership arrives (COORDINATOR_LOAD_IN_PROGRESS
// meanwhile) and drops it when it goes (NOT_COORDINATOR); a single node
// leads and loads them all at startup. The coordinator epoch is the
// partition's leader epoch. A loaded transaction found in PrepareCommit or
// PrepareAbort is finished: markers again, then Complete*.
//
// Every change is a write appended as leader and applied only once the ISR
// holds it (await_commit); while it is in flight the id answers
// CONCURRENT_TRANSACTIONS. EndTxn is answered once Prepare* is safe; the
// markers and the Complete* record follow.
//
// Threading: I/O thread only. Timers: one ticker for
// transaction.abort.timed.out.transaction.cleanup.interval.ms and
// transaction.remove.expired.transaction.cleanup.interval.ms.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "broker/topics/partition_takeover.h"
#include "broker/txn/marker_sender.h"
#include "broker/txn/txn_log.h"
#include "broker/txn/txn_metadata.h"
#include "broker/txn/txn_verifier.h"

namespace sluice::broker {
class broker;
}

namespace sluice::broker::txn {

struct coordinator_settings {
    int32_t partitions = 50;            // transaction.state.log.num.partitions
    int16_t replication_factor = 3;     // capped to the live brokers when the topic is made
    int32_t min_isr = 2;                // transaction.state.log.min.isr
    int32_t segment_bytes = 104857600;  // transaction.state.log.segment.bytes
    int32_t max_timeout_ms = 900000;    // transaction.max.timeout.ms
    int64_t id_expiration_ms = 604800000;
    int32_t abort_check_interval_ms = 10000;
    int32_t expiry_check_interval_ms = 3600000;
    int32_t write_timeout_ms = 30000;  // as Kafka's request.timeout.ms for its appends
    bool cluster = false;
    bool verify_partitions = true;  // transaction.partition.verification.enable (txn_verifier.h)
};

class coordinator {
public:
    coordinator(broker& owner, coordinator_settings settings);
    ~coordinator();

    void load();  // a single node, before serving
    void elected(int32_t partition);
    void resigned(int32_t partition);
    void start();
    void stop();

    // Creates `__transaction_state` on first use.
    error_code ensure_topic();
    // FindCoordinator key type 1.
    error_code locate(std::string_view transactional_id, protocol::node_id& coordinator);

    using init_callback = std::function<void(error_code, producer_id, producer_epoch)>;
    void init_producer_id(const std::string& transactional_id, int32_t timeout_ms,
                          std::optional<pid_and_epoch> expected, init_callback done);

    using error_callback = std::function<void(error_code)>;
    // One error for the whole request, as Kafka answers AddPartitionsToTxn.
    void add_partitions(const std::string& transactional_id, producer_id pid, producer_epoch epoch,
                        std::vector<topic_partition> partitions, error_callback done);
    // KIP-890 verify_only: a request-level error, or one per partition.
    error_code verify_partitions(const std::string& transactional_id, producer_id pid, producer_epoch epoch,
                                 const std::vector<topic_partition>& partitions, std::vector<error_code>& out);
    void end_txn(const std::string& transactional_id, producer_id pid, producer_epoch epoch, bool commit,
                 error_callback done);

    // Produce asks before a producer's first transactional batch in a
    // partition, when transaction.partition.verification.enable.
    txn_verifier* verifier() { return settings_.verify_partitions ? &verifier_ : nullptr; }

    // DescribeTransactions: the metadata, or the error for this id.
    error_code describe(const std::string& transactional_id, txn_metadata& out);
    // ListTransactions over the loaded ids.
    std::vector<txn_metadata> list(const std::set<txn_state>& states, const std::set<int64_t>& producer_ids,
                                   int64_t min_duration_ms, int64_t now_ms) const;
    // Whether any partition is loading (ListTransactions answers so).
    bool loading() const { return takeover_.loading(); }

    // Aborts timed-out transactions and expires idle ids; the ticker calls it.
    void tick(int64_t now_ms);

private:
    int32_t partition_of(std::string_view transactional_id) const;
    // Whether this broker serves the id now: none, NOT_COORDINATOR,
    // COORDINATOR_LOAD_IN_PROGRESS or COORDINATOR_NOT_AVAILABLE.
    error_code serving(std::string_view transactional_id);
    txn_metadata* find(const std::string& transactional_id);
    int32_t coordinator_epoch(int32_t partition) const;

    // Writes `next` (or a tombstone when nullopt) for `id` and applies it
    // once the ISR holds it. The id's entry is marked pending meanwhile.
    void persist(const std::string& id, std::optional<txn_metadata> next, error_callback done);
    void init_with(const std::string& id, int32_t timeout_ms, std::optional<pid_and_epoch> expected,
                   init_callback done);
    // Prepare* is safe: send the markers, then write Complete*.
    void complete(const std::string& id);
    void fence_and_abort(const std::string& id, error_callback done);
    void take_over(int32_t partition, const partition_state& p);
    void schedule_tick();

    broker& broker_;
    coordinator_settings settings_;
    std::map<std::string, txn_metadata, std::less<>> txns_;
    std::set<int32_t> loaded_;
    std::map<int32_t, int32_t> epochs_;  // coordinator epoch of each loaded partition
    partition_takeover takeover_;
    int64_t last_expiry_check_ms_ = 0;
    marker_sender markers_;
    txn_verifier verifier_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    struct ticker;
    std::unique_ptr<ticker> ticker_;
};

}  // namespace sluice::broker::txn

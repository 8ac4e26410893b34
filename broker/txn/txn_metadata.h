#pragma once
// One transactional id's state, as Kafka's TransactionMetadata keeps it, and
// the checks each request makes against it. Pure functions over values: the
// coordinator (coordinator.h) does the writes and the waiting.
//
// States and how they move:
//   Empty/CompleteCommit/CompleteAbort --AddPartitions--> Ongoing
//   Ongoing --EndTxn--> PrepareCommit|PrepareAbort --markers--> Complete*
//   Ongoing --timeout or a new InitProducerId--> PrepareAbort, epoch bumped
//     (Kafka's PrepareEpochFence: never written, the bump rides on the abort)
//   any settled state --InitProducerId--> Empty with epoch + 1 (or a new
//     producer id once the epoch is exhausted)
//   settled and idle past transactional.id.expiration.ms --> Dead (tombstone)
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/error_code.h"
#include "protocol/ids.h"

namespace sluice::broker::txn {

using protocol::error_code;
using protocol::producer_epoch;
using protocol::producer_id;

// The numbers are Kafka's TransactionStatus in __transaction_state.
enum class txn_state : int8_t {
    empty = 0,
    ongoing = 1,
    prepare_commit = 2,
    prepare_abort = 3,
    complete_commit = 4,
    complete_abort = 5,
    dead = 6,
    prepare_epoch_fence = 7,
};

// Kafka's names ("Ongoing", ...), as DescribeTransactions and
// ListTransactions show them.
std::string_view state_name(txn_state s);
std::optional<txn_state> state_from_name(std::string_view name);
std::optional<txn_state> state_from_wire(int8_t status);

struct topic_partition {
    std::string topic;
    int32_t partition = 0;
    auto operator<=>(const topic_partition&) const = default;
};

inline constexpr producer_id no_producer_id{-1};
inline constexpr producer_epoch no_producer_epoch{-1};

// Kafka keeps the last epoch free for fencing: at Short.MaxValue - 1 a
// producer id is used up and the next InitProducerId takes a new one.
bool epoch_exhausted(producer_epoch e);

struct txn_metadata {
    std::string transactional_id;
    producer_id pid = no_producer_id;
    producer_id previous_pid = no_producer_id;
    producer_epoch epoch = no_producer_epoch;
    // In memory only (as in Kafka): lets a retried InitProducerId whose
    // answer was lost get the same epoch again.
    producer_epoch last_epoch = no_producer_epoch;
    int32_t timeout_ms = 0;
    txn_state state = txn_state::empty;
    std::set<topic_partition> partitions;
    int64_t start_ms = -1;
    int64_t update_ms = -1;
    // A write of this id is in flight: requests meanwhile get
    // CONCURRENT_TRANSACTIONS (Kafka's pendingState).
    bool pending = false;
    bool operator==(const txn_metadata&) const = default;
};

struct pid_and_epoch {
    producer_id pid;
    producer_epoch epoch;
};

// INVALID_TRANSACTION_TIMEOUT unless 0 < timeout <= transaction.max.timeout.ms.
error_code check_timeout(int32_t timeout_ms, int32_t max_timeout_ms);

// InitProducerId for an existing id. `action` says what to write.
struct init_decision {
    enum class action { refuse, bump_epoch, new_producer_id, fence_and_abort };
    action what = action::refuse;
    error_code error = error_code::none;  // with refuse
    producer_epoch epoch;                 // with bump_epoch: the epoch to hand out
    producer_epoch last_epoch;
};
init_decision decide_init(const txn_metadata& m, const std::optional<pid_and_epoch>& expected);

// The Empty state InitProducerId writes (epoch from decide_init, or a new id
// at epoch 0).
txn_metadata after_init(const txn_metadata& m, const init_decision& d, int32_t timeout_ms, int64_t now_ms);
txn_metadata after_rotation(const txn_metadata& m, producer_id new_pid, bool record_last_epoch, int32_t timeout_ms,
                            int64_t now_ms);

// The checks AddPartitionsToTxn, AddOffsetsToTxn and EndTxn share: the
// producer must be the current one. PRODUCER_FENCED is the modern code;
// handlers turn it into INVALID_PRODUCER_EPOCH for old versions.
error_code check_producer(const txn_metadata& m, producer_id pid, producer_epoch epoch);

// AddPartitionsToTxn: none and `write` false when every partition is in the
// transaction already.
error_code check_add_partitions(const txn_metadata& m, producer_id pid, producer_epoch epoch,
                                const std::vector<topic_partition>& partitions, bool& write);
txn_metadata after_add_partitions(const txn_metadata& m, const std::vector<topic_partition>& partitions,
                                  int64_t now_ms);

// KIP-890 verification (AddPartitionsToTxn v4+ verify_only): per partition,
// none when it is in the transaction, INVALID_TXN_STATE when not.
error_code check_verify(const txn_metadata& m, producer_id pid, producer_epoch epoch);

// EndTxn from the client. `write` false with none: a retry of an end that
// is already complete.
error_code check_end(const txn_metadata& m, producer_id pid, producer_epoch epoch, bool commit, bool& write);
txn_metadata after_prepare(const txn_metadata& m, bool commit, int64_t now_ms);
// The abort the coordinator itself starts (timeout, a new producer):
// epoch + 1 unless exhausted, so the old producer is fenced.
txn_metadata after_fence(const txn_metadata& m, int64_t now_ms);
txn_metadata after_complete(const txn_metadata& m, int64_t now_ms);

// An Ongoing transaction past its timeout.
bool timed_out(const txn_metadata& m, int64_t now_ms);
// A settled id idle past transactional.id.expiration.ms.
bool expired(const txn_metadata& m, int64_t now_ms, int64_t expiration_ms);

}  // namespace sluice::broker::txn

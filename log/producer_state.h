#pragma once
// One partition's idempotent producers (Kafka's ProducerStateManager): per
// producer id, its epoch and the sequence ranges and offsets of its last five
// batches. A leader checks each produced batch against it, so a retried batch
// is answered with the offsets it was first given instead of being appended
// twice, and a gap in the sequences or a stale epoch is refused. Followers and
// recovery feed it the same batches without the checks, so any replica that
// becomes leader knows every producer. Snapshots (log/producer_snapshot.h)
// save rebuilding it from the whole log.
//
// The rules, as Kafka's ProducerAppendInfo applies them to a client's batch:
//   - a batch with the producer's epoch and the first and last sequence of
//     one of the five remembered batches is a duplicate;
//   - an epoch below the producer's: invalid_producer_epoch;
//   - a new epoch must start at sequence 0, unless the producer is unknown;
//   - the same epoch must go on at last sequence + 1 (wrapping after
//     INT32_MAX): out_of_order_sequence_number otherwise;
//   - an unknown producer (never seen, expired, or its batches deleted) is
//     accepted at any sequence: since KIP-360 the broker no longer answers
//     unknown_producer_id, the producer's state simply starts over.
//
// Transactions: a producer's first transactional batch opens its
// transaction at that offset; the coordinator's marker (COMMIT or ABORT)
// closes it. While a producer's transaction is open its plain batches are
// refused (invalid_txn_state). A marker of an older producer epoch is
// refused (invalid_producer_epoch), one of an older coordinator epoch too
// (transaction_coordinator_fenced). The open transactions give the first
// unstable offset, below which read_committed consumers may read.
#include <boost/container/small_vector.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

#include "protocol/control_batch.h"
#include "protocol/error_code.h"
#include "protocol/ids.h"
#include "protocol/record_batch.h"

namespace sluice::log {

// Where one producer batch went: sequences and offsets.
struct producer_batch {
    int32_t first_sequence = -1;
    int32_t last_sequence = -1;
    int64_t last_offset = -1;
    int32_t offset_delta = 0;  // last offset - first offset
    int64_t timestamp = -1;    // the batch's max timestamp
    int64_t first_offset() const { return last_offset - offset_delta; }
};

// The last few batches of a producer, oldest first, in place: checking a
// batch copies its producer's entry, which must not allocate.
class recent_batches {
public:
    static constexpr size_t capacity = 5;
    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    const producer_batch& operator[](size_t i) const { return items_[(start_ + i) % capacity]; }
    const producer_batch& back() const { return (*this)[size_ - 1]; }
    void clear() { start_ = size_ = 0; }
    void push(const producer_batch& b) {
        if (size_ == capacity) {
            items_[start_] = b;
            start_ = (start_ + 1) % capacity;
        } else {
            items_[(start_ + size_++) % capacity] = b;
        }
    }

private:
    std::array<producer_batch, capacity> items_{};
    size_t start_ = 0;
    size_t size_ = 0;
};

struct producer_entry {
    protocol::producer_id id{-1};
    protocol::producer_epoch epoch{-1};
    recent_batches batches;
    int64_t last_timestamp = -1;
    int32_t coordinator_epoch = -1;
    std::optional<int64_t> current_txn_first_offset;

    int32_t last_sequence() const { return batches.empty() ? -1 : batches.back().last_sequence; }
    int64_t last_offset() const { return batches.empty() ? -1 : batches.back().last_offset; }
    void add(protocol::producer_epoch batch_epoch, const producer_batch& batch);
};

// A transaction that ended in this log: its data from `first_offset` (the
// marker's own offset when it had none), its marker at `last_offset`.
struct completed_txn {
    protocol::producer_id producer;
    int64_t first_offset = 0;
    int64_t last_offset = 0;
    bool aborted = false;
};

// The last sequence of a batch starting at `base` with `last_offset_delta`,
// wrapping after INT32_MAX as producers do.
int32_t last_sequence_of(int32_t base, int32_t last_offset_delta);

class producer_state {
public:
    using entries = std::unordered_map<protocol::producer_id, producer_entry>;

    // The changes one append makes, checked batch by batch against the state
    // as the batches before them in the same append leave it, and applied
    // only once the batches are written (commit()).
    class append {
    public:
        explicit append(const producer_state& state) : state_(state) {}
        struct outcome {
            protocol::error_code error = protocol::error_code::none;
            std::optional<producer_batch> duplicate;  // answer with this, append nothing
        };
        // A client's batch at a leader, its offsets already assigned.
        outcome check_client(const protocol::batch_header& batch);
        // A batch the broker's own coordinator writes for a producer
        // (TxnOffsetCommit's offsets): the epoch is checked, not sequences.
        outcome check_coordinator(const protocol::batch_header& batch);
        // A coordinator's marker at a leader, its offset already assigned.
        protocol::error_code check_marker(const protocol::batch_header& batch, const protocol::txn_marker& marker);
        // A batch replicated or recovered: no checks, only bookkeeping
        // (`marker` for a control batch, when it could be read).
        void add_replicated(const protocol::batch_header& batch, const std::optional<protocol::txn_marker>& marker);
        bool empty() const { return staged_.empty(); }
        // Transactions the staged batches end, in offset order.
        const std::vector<completed_txn>& completed() const { return completed_; }

    private:
        friend class producer_state;
        producer_entry& staged(protocol::producer_id id);
        producer_entry* find_staged(protocol::producer_id id);
        void open_txn_if_transactional(producer_entry& entry, const protocol::batch_header& batch);
        void end_txn(producer_entry& entry, const protocol::batch_header& batch, const protocol::txn_marker& marker);
        const producer_state& state_;
        // Almost every append touches one producer: no allocation for it.
        boost::container::small_vector<producer_entry, 1> staged_;
        std::vector<completed_txn> completed_;
    };

    // Applies the staged changes; returns the transactions they ended.
    std::vector<completed_txn> commit(append&& changes);
    // Recovery and replication: one batch, no checks.
    std::vector<completed_txn> replay(const protocol::batch_header& batch,
                                      const std::optional<protocol::txn_marker>& marker = std::nullopt);

    // The first offset of the oldest open transaction.
    std::optional<int64_t> first_unstable_offset() const;
    // Kafka's ProducerStateManager.lastStableOffset for a transaction just
    // ended: where the next open transaction of another producer starts, or
    // just past the marker.
    int64_t stable_offset_after(const completed_txn& txn) const;

    const entries& producers() const { return producers_; }
    const producer_entry* find(protocol::producer_id id) const;
    size_t size() const { return producers_.size(); }
    void clear() {
        producers_.clear();
        open_txns_.clear();
        verifying_.clear();
    }
    void load(std::vector<producer_entry> loaded);

    // producer.id.expiration.ms: producers silent that long (by their last
    // batch's timestamp) and not in a transaction are forgotten. Returns how many.
    size_t expire(int64_t now_ms, int64_t expiration_ms);
    // Producers whose last batch is below the log start are gone with it.
    size_t evict_below(int64_t log_start_offset);

    // KIP-890 verification: before a leader appends a producer's first
    // transactional batch here it asks the coordinator, asynchronously,
    // whether this partition is in the producer's transaction. The guard
    // taken before asking holds until a marker ends one of the producer's
    // transactions here, or a transactional batch of it opens one, so an
    // answer that arrives after an abort cannot open a transaction nobody
    // will end. Requests verifying at once share one guard. Guards older
    // than the producer expiration are dropped by expire().
    uint64_t begin_verification(protocol::producer_id id, int64_t now_ms);
    bool verification_holds(protocol::producer_id id, uint64_t guard) const;

private:
    void index_open_txn(const producer_entry* before, const producer_entry& after);
    entries producers_;
    std::map<int64_t, protocol::producer_id> open_txns_;  // first offset -> producer
    struct verification {
        uint64_t guard = 0;
        int64_t started_ms = 0;
    };
    std::unordered_map<protocol::producer_id, verification> verifying_;
    uint64_t last_guard_ = 0;
};

}  // namespace sluice::log

#pragma once
// KIP-890 (transaction.partition.verification.enable): before a leader
// appends a producer's first transactional batch to a partition, the
// producer's transaction coordinator confirms that the partition is in its
// ongoing transaction (AddPartitionsToTxn v4+, verify_only). Without it a
// batch that arrives late — after its transaction was aborted, or from a
// producer that never added the partition — opens a transaction no
// coordinator knows, and the partition's last stable offset stops there
// for good.
//
// The coordinator is asked directly when it is this broker, else over the
// Kafka protocol. Its answers are turned into what Produce answers, as
// Kafka's leaders do: a partition outside the transaction is
// INVALID_TXN_STATE (TRANSACTION_ABORTABLE for producers that know it,
// Produce v11+), a fenced producer INVALID_PRODUCER_EPOCH, a coordinator
// that cannot answer now the retriable NOT_ENOUGH_REPLICAS, a lost
// connection NETWORK_EXCEPTION.
//
// Threading: I/O thread only; `done` runs there, never inline.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "broker/txn/peer_links.h"
#include "broker/txn/txn_metadata.h"

namespace sluice::broker {
class broker;
}

namespace sluice::broker::txn {

class coordinator;

class txn_verifier {
public:
    txn_verifier(broker& b, coordinator& local);

    // The partitions that are not verified, each with the error Produce
    // answers for it; empty when all are.
    using unverified = std::map<topic_partition, error_code>;
    using done_fn = std::function<void(unverified)>;
    void verify(const std::string& transactional_id, producer_id pid, producer_epoch epoch,
                const std::vector<topic_partition>& partitions, bool abortable_known, done_fn done);
    void stop();

private:
    void ask_remote(int32_t node, const std::string& transactional_id, producer_id pid, producer_epoch epoch,
                    const std::vector<topic_partition>& partitions, bool abortable_known, done_fn done);
    void answer(done_fn done, unverified result);

    broker& broker_;
    coordinator& local_;
    peer_links links_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// The coordinator's answer for one partition as Produce answers it.
error_code produce_error_of_verification(error_code coordinator_answer, bool abortable_known);

}  // namespace sluice::broker::txn

#pragma once
// The records of `__transaction_state`, in Kafka's formats
// (TransactionLogKey / TransactionLogValue), and rebuilding the state of
// one partition from its log.
//
// Key: int16 version 0, then the transactional id. Value: int16 version
// (0 is written, as Kafka 3.x does; 1 is read too), then producer id,
// epoch, timeout, status, partitions (null when Empty), last update and
// start timestamps. A null value is a tombstone: the id expired. The topic
// is compacted, so only the latest record per key matters.
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "broker/txn/txn_metadata.h"
#include "protocol/record_batch.h"
#include "protocol/wire.h"

namespace sluice::log {
class partition_log;
}

namespace sluice::broker::txn {

inline constexpr std::string_view txn_topic_name = "__transaction_state";

// Kafka's partition for a transactional id: abs(Java hashCode) % partitions,
// as for groups.
int32_t partition_for_txn(std::string_view transactional_id, int32_t partitions);

protocol::bytes txn_key(std::string_view transactional_id);
protocol::bytes txn_value(const txn_metadata& m);

// nullopt: malformed (skipped by the loader). A tombstone decodes to an id
// with no metadata.
struct txn_record {
    std::string transactional_id;
    std::optional<txn_metadata> metadata;
};
std::optional<txn_record> decode_txn_record(const protocol::record& record);

using loaded_txns = std::map<std::string, txn_metadata, std::less<>>;
// Replays one partition from its start to its log end (a new leader's own
// log is the truth). Returns the records applied.
size_t load_txn_partition(const log::partition_log& log, loaded_txns& out);

}  // namespace sluice::broker::txn

#pragma once
// The records of the internal topic `__consumer_offsets`, in Kafka's own
// formats, so Kafka's tools can read our log and the coordinator can rebuild
// its state from it.
//
// Each record's key starts with an int16 version: 0 and 1 are offset-commit
// keys (group, topic, partition), 2 is a group-metadata key (group), 3 to 8
// are KIP-848 consumer-group records (consumer_group_records.h). Values
// start with their own int16 version. A null value is a tombstone: the
// offset or the group is gone. The topic is compacted, so only the latest
// record per key matters.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/groups/consumer_group.h"
#include "log/types.h"
#include "protocol/record_batch.h"
#include "protocol/wire.h"

namespace sluice::log {
class partition_log;
}

namespace sluice::broker::groups {

inline constexpr std::string_view offsets_topic_name = "__consumer_offsets";

struct committed_offset {
    int64_t offset = -1;
    int32_t leader_epoch = -1;
    std::string metadata;
    int64_t commit_timestamp = -1;
    int64_t expire_timestamp = -1;  // only in value v1; -1 otherwise
    bool operator==(const committed_offset&) const = default;
};

struct member_record {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::string client_id;
    std::string client_host;
    int32_t rebalance_timeout_ms = -1;
    int32_t session_timeout_ms = 0;
    protocol::bytes subscription;  // the selected protocol's member metadata
    protocol::bytes assignment;
    bool operator==(const member_record&) const = default;
};

struct group_record {
    std::string protocol_type;
    int32_t generation = 0;
    std::optional<std::string> protocol;
    std::optional<std::string> leader;
    int64_t current_state_timestamp = -1;
    std::vector<member_record> members;
    bool operator==(const group_record&) const = default;
};

// A key or value of the topic: its int16 version, then the message.
template <typename T>
protocol::bytes encode_versioned(const T& message, int16_t version) {
    protocol::writer w;
    w.write_int16(version);
    message.encode(w, version);
    return std::move(w.buffer());
}

// Decodes the rest of `r` as `T` at `version`; trailing bytes are an error.
template <typename T>
bool decode_exact(protocol::reader& r, int16_t version, T& out) {
    out.decode(r, version);
    return r.ok() && r.at_end();
}

// Kafka's partition for a group: abs(Java String.hashCode(group)) % partitions.
int32_t partition_for_group(std::string_view group, int32_t partitions);

// Record keys and values (the value versions Kafka 3.x writes: offset
// commit v3, group metadata v3). A tombstone is a key with a null value.
protocol::bytes offset_commit_key(std::string_view group, std::string_view topic, int32_t partition);
protocol::bytes offset_commit_value(const committed_offset& value);
protocol::bytes group_metadata_key(std::string_view group);
protocol::bytes group_metadata_value(const group_record& value);

// One decoded record of the topic.
struct offsets_record {
    enum class kind { offset_commit, group_metadata, consumer_group, unknown };
    kind type = kind::unknown;
    std::string group;
    std::string topic;                       // offset_commit only
    int32_t partition = -1;                  // offset_commit only
    std::optional<committed_offset> offset;  // nullopt: tombstone
    std::optional<group_record> metadata;    // nullopt: tombstone
    protocol::bytes key;                     // consumer_group: the whole key
    std::optional<protocol::bytes> value;    // consumer_group: the value
};

// Decodes one record; nullopt when the key or value is malformed (such a
// record is skipped and logged by the loader, never fatal).
std::optional<offsets_record> decode_offsets_record(const protocol::record& record);

// Everything the coordinator needs to rebuild, keyed by group.
struct loaded_group {
    std::optional<group_record> metadata;
    consumer_group_image consumer;
    std::map<std::pair<std::string, int32_t>, committed_offset> offsets;
};
using loaded_groups = std::map<std::string, loaded_group, std::less<>>;

// Applies one record, latest wins, tombstones erase.
void replay(const offsets_record& record, loaded_groups& groups);

// Reads a whole __consumer_offsets partition up to its high watermark and
// replays it. Returns the number of records applied; malformed records are
// skipped with a warning.
// Offset commits of transactions still open where the load ended (no
// marker yet), by producer id: a coordinator keeps them pending.
using pending_txn_records = std::map<int64_t, std::vector<offsets_record>>;
size_t load_partition(const log::partition_log& log, loaded_groups& groups, pending_txn_records* pending = nullptr);
// The same up to the log end: a new leader's own log is the truth, and its
// high watermark may trail records the old leader had already committed.
size_t load_partition_to_end(const log::partition_log& log, loaded_groups& groups,
                             pending_txn_records* pending = nullptr);

// A batch (uncompressed, CreateTime = now_ms) holding the given key/value
// records, ready for partition_log::append.
struct keyed_value {
    protocol::bytes key;
    std::optional<protocol::bytes> value;
};
// With `options`: a transactional producer's batch (TxnOffsetCommit).
protocol::bytes build_offsets_batch(const std::vector<keyed_value>& records, int64_t now_ms,
                                    const protocol::batch_builder_options& options = {});

}  // namespace sluice::broker::groups

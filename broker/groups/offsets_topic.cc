// Record formats of __consumer_offsets (Kafka's GroupMetadataManager
// formats), the group → partition hash, and replay into loaded state. The
// loader that reads a partition's log is in offsets_loader.cc.
#include "broker/groups/offsets_topic.h"

#include <spdlog/spdlog.h>

#include <cstdlib>

#include "broker/groups/consumer_group_records.h"
#include "protocol/generated/group_metadata_key.h"
#include "protocol/generated/group_metadata_value.h"
#include "protocol/generated/offset_commit_key.h"
#include "protocol/generated/offset_commit_value.h"

namespace sluice::broker::groups {

namespace {

constexpr int16_t offset_commit_key_version = 1;  // Kafka writes 1; 0 reads the same
constexpr int16_t group_metadata_key_version = 2;
constexpr int16_t offset_commit_value_version = 3;
constexpr int16_t offset_commit_value_version_with_expiry = 1;
constexpr int16_t group_metadata_value_version = 3;
constexpr uint32_t replacement_char = 0xFFFD;

// Java's String.hashCode: h = 31*h + c over UTF-16 code units, int32 wrap.
// The group id reached Kafka as UTF-8 and was decoded into a Java String, so
// we decode the same way: code points above U+FFFF become surrogate pairs and
// malformed input becomes U+FFFD, one per maximal subpart, as the JDK's UTF-8
// decoder does (it also takes an encoded surrogate as one malformed sequence).
// Only its handling of lead bytes F5-F7 differs (we replace them alone).
int32_t java_string_hash(std::string_view s) {
    uint32_t h = 0;
    auto add = [&h](uint32_t unit) { h = h * 31 + unit; };
    size_t i = 0;
    const size_t n = s.size();
    while (i < n) {
        const auto b = static_cast<uint8_t>(s[i]);
        if (b < 0x80) {
            add(b);
            ++i;
            continue;
        }
        int need = 0;
        uint32_t cp = 0;
        uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
        if (b >= 0xC2 && b <= 0xDF) {
            need = 1;
            cp = b & 0x1F;
        } else if (b >= 0xE0 && b <= 0xEF) {
            need = 2;
            cp = b & 0x0F;
            if (b == 0xE0) lo = 0xA0;  // overlong
        } else if (b >= 0xF0 && b <= 0xF4) {
            need = 3;
            cp = b & 0x07;
            if (b == 0xF0) lo = 0x90;  // overlong
            if (b == 0xF4) hi = 0x8F;  // above U+10FFFF
        } else {
            add(replacement_char);
            ++i;
            continue;
        }
        size_t j = i + 1;
        bool ok = true;
        for (int k = 0; k < need; ++k, ++j) {
            if (j >= n) {
                ok = false;
                break;
            }
            const auto c = static_cast<uint8_t>(s[j]);
            if (c < (k == 0 ? lo : 0x80) || c > (k == 0 ? hi : 0xBF)) {
                ok = false;
                break;
            }
            cp = (cp << 6) | (c & 0x3F);
        }
        i = j;  // on error j is at the offending byte, which starts over
        if (!ok || (cp >= 0xD800 && cp <= 0xDFFF)) {
            // An encoded surrogate is one malformed 3-byte sequence to the JDK.
            add(replacement_char);
        } else if (cp >= 0x10000) {
            cp -= 0x10000;
            add(0xD800 + (cp >> 10));
            add(0xDC00 + (cp & 0x3FF));
        } else {
            add(cp);
        }
    }
    return static_cast<int32_t>(h);
}

std::optional<committed_offset> decode_offset_value(protocol::bytes_view data) {
    protocol::reader r(data);
    const int16_t version = r.read_int16();
    if (!r.ok() || version < protocol::offset_commit_value::lowest_version ||
        version > protocol::offset_commit_value::highest_version) {
        return std::nullopt;
    }
    protocol::offset_commit_value v;
    if (!decode_exact(r, version, v)) return std::nullopt;
    return committed_offset{v.offset, v.leader_epoch, std::move(v.metadata), v.commit_timestamp, v.expire_timestamp};
}

std::optional<group_record> decode_group_value(protocol::bytes_view data) {
    protocol::reader r(data);
    const int16_t version = r.read_int16();
    if (!r.ok() || version < protocol::group_metadata_value::lowest_version ||
        version > protocol::group_metadata_value::highest_version) {
        return std::nullopt;
    }
    protocol::group_metadata_value v;
    if (!decode_exact(r, version, v)) return std::nullopt;
    group_record g;
    g.protocol_type = std::move(v.protocol_type);
    g.generation = v.generation;
    g.protocol = std::move(v.protocol);
    g.leader = std::move(v.leader);
    g.current_state_timestamp = v.current_state_timestamp;
    g.members.reserve(v.members.size());
    for (auto& m : v.members) {
        member_record mr;
        mr.member_id = std::move(m.member_id);
        mr.group_instance_id = std::move(m.group_instance_id);
        mr.client_id = std::move(m.client_id);
        mr.client_host = std::move(m.client_host);
        // v0 had no rebalance timeout; Kafka takes the session timeout then.
        mr.rebalance_timeout_ms = version == 0 ? m.session_timeout : m.rebalance_timeout;
        mr.session_timeout_ms = m.session_timeout;
        mr.subscription = std::move(m.subscription);
        mr.assignment = std::move(m.assignment);
        g.members.push_back(std::move(mr));
    }
    return g;
}

// Drops a group's entry once nothing is left in it.
void erase_if_empty(loaded_groups& groups, loaded_groups::iterator it) {
    if (!it->second.metadata && !it->second.consumer.group_epoch && it->second.offsets.empty()) groups.erase(it);
}

}  // namespace

int32_t partition_for_group(std::string_view group, int32_t partitions) {
    if (partitions <= 0) return 0;
    const int32_t h = java_string_hash(group);
    // Kafka's Utils.abs (not toPositive): Math.abs, with MIN_VALUE mapped to 0.
    const int32_t positive = h == INT32_MIN ? 0 : std::abs(h);
    return positive % partitions;
}

protocol::bytes offset_commit_key(std::string_view group, std::string_view topic, int32_t partition) {
    protocol::offset_commit_key k;
    k.group = group;
    k.topic = topic;
    k.partition = partition;
    return encode_versioned(k, offset_commit_key_version);
}

protocol::bytes offset_commit_value(const committed_offset& value) {
    protocol::offset_commit_value v;
    v.offset = value.offset;
    v.leader_epoch = value.leader_epoch;
    v.metadata = value.metadata;
    v.commit_timestamp = value.commit_timestamp;
    v.expire_timestamp = value.expire_timestamp;
    // Like Kafka: an explicit expiry (OffsetCommit v1-v4 retention) only fits v1.
    const int16_t version =
        value.expire_timestamp >= 0 ? offset_commit_value_version_with_expiry : offset_commit_value_version;
    return encode_versioned(v, version);
}

protocol::bytes group_metadata_key(std::string_view group) {
    protocol::group_metadata_key k;
    k.group = group;
    return encode_versioned(k, group_metadata_key_version);
}

protocol::bytes group_metadata_value(const group_record& value) {
    protocol::group_metadata_value v;
    v.protocol_type = value.protocol_type;
    v.generation = value.generation;
    v.protocol = value.protocol;
    v.leader = value.leader;
    v.current_state_timestamp = value.current_state_timestamp;
    v.members.reserve(value.members.size());
    for (const auto& m : value.members) {
        protocol::group_metadata_value::member_metadata mm;
        mm.member_id = m.member_id;
        mm.group_instance_id = m.group_instance_id;
        mm.client_id = m.client_id;
        mm.client_host = m.client_host;
        mm.rebalance_timeout = m.rebalance_timeout_ms;
        mm.session_timeout = m.session_timeout_ms;
        mm.subscription = m.subscription;
        mm.assignment = m.assignment;
        v.members.push_back(std::move(mm));
    }
    return encode_versioned(v, group_metadata_value_version);
}

std::optional<offsets_record> decode_offsets_record(const protocol::record& record) {
    if (!record.key) return std::nullopt;
    protocol::reader r(*record.key);
    const int16_t key_version = r.read_int16();
    if (!r.ok()) return std::nullopt;

    offsets_record out;
    if (key_version == 0 || key_version == 1) {
        protocol::offset_commit_key k;
        if (!decode_exact(r, key_version, k)) return std::nullopt;
        out.type = offsets_record::kind::offset_commit;
        out.group = std::move(k.group);
        out.topic = std::move(k.topic);
        out.partition = k.partition;
        if (record.value) {
            out.offset = decode_offset_value(*record.value);
            if (!out.offset) return std::nullopt;
        }
    } else if (key_version == group_metadata_key_version) {
        protocol::group_metadata_key k;
        if (!decode_exact(r, key_version, k)) return std::nullopt;
        out.type = offsets_record::kind::group_metadata;
        out.group = std::move(k.group);
        if (record.value) {
            out.metadata = decode_group_value(*record.value);
            if (!out.metadata) return std::nullopt;
        }
    } else if (key_version >= 3 && key_version <= 8) {
        // Every KIP-848 key starts with the group id; the rest is replayed
        // by consumer_group_records.cc.
        out.group = r.read_string(false);
        if (!r.ok()) return std::nullopt;
        out.type = offsets_record::kind::consumer_group;
        out.key = *record.key;
        out.value = record.value;
    }
    // Any other key version is a record this coordinator does not keep:
    // kind::unknown, not an error.
    return out;
}

void replay(const offsets_record& record, loaded_groups& groups) {
    switch (record.type) {
        case offsets_record::kind::offset_commit: {
            auto key = std::make_pair(record.topic, record.partition);
            if (record.offset) {
                groups[record.group].offsets[std::move(key)] = *record.offset;
                return;
            }
            auto it = groups.find(record.group);
            if (it == groups.end()) return;
            it->second.offsets.erase(key);
            erase_if_empty(groups, it);
            return;
        }
        case offsets_record::kind::group_metadata: {
            if (record.metadata) {
                groups[record.group].metadata = *record.metadata;
                return;
            }
            // The group is gone; its offsets go by their own tombstones.
            auto it = groups.find(record.group);
            if (it == groups.end()) return;
            it->second.metadata.reset();
            erase_if_empty(groups, it);
            return;
        }
        case offsets_record::kind::consumer_group: {
            auto& image = groups[record.group].consumer;
            if (!replay_consumer_record(record.key, record.value, image)) {
                spdlog::warn("skipping malformed consumer group record of group {}", record.group);
            }
            // Only the group epoch's tombstone, written last, ends the group.
            if (!image.group_epoch && image.members.empty() && image.target.empty()) {
                erase_if_empty(groups, groups.find(record.group));
            }
            return;
        }
        case offsets_record::kind::unknown:
            return;
    }
}

protocol::bytes build_offsets_batch(const std::vector<keyed_value>& records, int64_t now_ms,
                                    const protocol::batch_builder_options& options) {
    std::vector<protocol::record> out;
    out.reserve(records.size());
    int64_t offset = 0;
    for (const auto& kv : records) {
        protocol::record r;
        r.offset = offset++;
        r.timestamp = now_ms;
        r.key = kv.key;
        r.value = kv.value;
        out.push_back(std::move(r));
    }
    return protocol::build_batch(out, options);
}

}  // namespace sluice::broker::groups

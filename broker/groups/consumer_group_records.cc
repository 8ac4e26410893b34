#include "broker/groups/consumer_group_records.h"

#include "protocol/generated/consumer_group_current_member_assignment_key.h"
#include "protocol/generated/consumer_group_current_member_assignment_value.h"
#include "protocol/generated/consumer_group_member_metadata_key.h"
#include "protocol/generated/consumer_group_member_metadata_value.h"
#include "protocol/generated/consumer_group_metadata_key.h"
#include "protocol/generated/consumer_group_metadata_value.h"
#include "protocol/generated/consumer_group_partition_metadata_key.h"
#include "protocol/generated/consumer_group_partition_metadata_value.h"
#include "protocol/generated/consumer_group_target_assignment_member_key.h"
#include "protocol/generated/consumer_group_target_assignment_member_value.h"
#include "protocol/generated/consumer_group_target_assignment_metadata_key.h"
#include "protocol/generated/consumer_group_target_assignment_metadata_value.h"

namespace sluice::broker::groups {

namespace {

enum key_version : int16_t {
    group_epoch_key = 3,
    subscribed_topics_key = 4,
    member_metadata_key = 5,
    target_epoch_key = 6,
    target_member_key = 7,
    current_assignment_key = 8,
};
constexpr int16_t value_version = 0;

template <typename Key>
protocol::bytes group_key(int16_t version, const std::string& group) {
    Key k;
    k.group_id = group;
    return encode_versioned(k, version);
}

template <typename Key>
protocol::bytes member_key(int16_t version, const std::string& group, const std::string& member) {
    Key k;
    k.group_id = group;
    k.member_id = member;
    return encode_versioned(k, version);
}

template <typename Wire>
std::vector<Wire> to_wire(const partition_set& set) {
    std::vector<Wire> out;
    for (const auto& [topic, parts] : set) {
        Wire t;
        t.topic_id = topic;
        t.partitions.assign(parts.begin(), parts.end());
        out.push_back(std::move(t));
    }
    return out;
}

template <typename Wire>
partition_set from_wire(const std::vector<Wire>& topics) {
    partition_set out;
    for (const auto& t : topics) {
        if (!t.partitions.empty()) out[t.topic_id].insert(t.partitions.begin(), t.partitions.end());
    }
    return out;
}

// Decodes a value at version 0; false for any other version or bad bytes.
template <typename T>
bool decode_value(const protocol::bytes& data, T& out) {
    protocol::reader r(data);
    if (r.read_int16() != value_version || !r.ok()) return false;
    return decode_exact(r, value_version, out);
}

}  // namespace

keyed_value group_epoch_record(const std::string& group, std::optional<int32_t> epoch) {
    keyed_value kv{group_key<protocol::consumer_group_metadata_key>(group_epoch_key, group), std::nullopt};
    if (epoch) {
        protocol::consumer_group_metadata_value v;
        v.epoch = *epoch;
        kv.value = encode_versioned(v, value_version);
    }
    return kv;
}

keyed_value subscribed_topics_record(const std::string& group,
                                     const std::optional<std::map<std::string, subscribed_topic>>& topics) {
    keyed_value kv{group_key<protocol::consumer_group_partition_metadata_key>(subscribed_topics_key, group),
                   std::nullopt};
    if (topics) {
        protocol::consumer_group_partition_metadata_value v;
        for (const auto& [name, t] : *topics) {
            protocol::consumer_group_partition_metadata_value::topic_metadata tm;
            tm.topic_id = t.id;
            tm.topic_name = name;
            tm.num_partitions = t.partitions;
            v.topics.push_back(std::move(tm));
        }
        kv.value = encode_versioned(v, value_version);
    }
    return kv;
}

keyed_value member_metadata_record(const std::string& group, const std::string& member_id, const consumer_member* m) {
    keyed_value kv{member_key<protocol::consumer_group_member_metadata_key>(member_metadata_key, group, member_id),
                   std::nullopt};
    if (m != nullptr) {
        protocol::consumer_group_member_metadata_value v;
        v.instance_id = m->instance_id;
        v.rack_id = m->rack_id;
        v.client_id = m->client_id;
        v.client_host = m->client_host;
        v.subscribed_topic_names = m->subscribed_topic_names;
        v.subscribed_topic_regex = m->subscribed_topic_regex;
        v.rebalance_timeout_ms = m->rebalance_timeout_ms;
        v.server_assignor = m->server_assignor;
        if (m->classic) {
            protocol::consumer_group_member_metadata_value::classic_member_metadata_data c;
            c.session_timeout_ms = m->classic->session_timeout_ms;
            for (const auto& [name, metadata] : m->classic->protocols) {
                protocol::consumer_group_member_metadata_value::classic_protocol p;
                p.name = name;
                p.metadata = metadata;
                c.supported_protocols.push_back(std::move(p));
            }
            v.classic_member_metadata = std::move(c);
        }
        kv.value = encode_versioned(v, value_version);
    }
    return kv;
}

keyed_value target_epoch_record(const std::string& group, std::optional<int32_t> epoch) {
    keyed_value kv{group_key<protocol::consumer_group_target_assignment_metadata_key>(target_epoch_key, group),
                   std::nullopt};
    if (epoch) {
        protocol::consumer_group_target_assignment_metadata_value v;
        v.assignment_epoch = *epoch;
        kv.value = encode_versioned(v, value_version);
    }
    return kv;
}

keyed_value target_member_record(const std::string& group, const std::string& member_id,
                                 const partition_set* partitions) {
    keyed_value kv{
        member_key<protocol::consumer_group_target_assignment_member_key>(target_member_key, group, member_id),
        std::nullopt};
    if (partitions != nullptr) {
        protocol::consumer_group_target_assignment_member_value v;
        v.topic_partitions =
            to_wire<protocol::consumer_group_target_assignment_member_value::topic_partition>(*partitions);
        kv.value = encode_versioned(v, value_version);
    }
    return kv;
}

keyed_value current_assignment_record(const std::string& group, const std::string& member_id,
                                      const consumer_member* m) {
    keyed_value kv{
        member_key<protocol::consumer_group_current_member_assignment_key>(current_assignment_key, group, member_id),
        std::nullopt};
    if (m != nullptr) {
        using value_t = protocol::consumer_group_current_member_assignment_value;
        value_t v;
        v.member_epoch = m->member_epoch;
        v.previous_member_epoch = m->previous_member_epoch;
        v.state = static_cast<int8_t>(m->state);
        v.assigned_partitions = to_wire<value_t::topic_partitions>(m->assigned);
        v.partitions_pending_revocation = to_wire<value_t::topic_partitions>(m->pending_revocation);
        kv.value = encode_versioned(v, value_version);
    }
    return kv;
}

bool replay_consumer_record(protocol::bytes_view key, const std::optional<protocol::bytes>& value,
                            consumer_group_image& image) {
    protocol::reader r(key);
    const int16_t version = r.read_int16();
    if (!r.ok()) return false;
    switch (version) {
        case group_epoch_key: {
            protocol::consumer_group_metadata_key k;
            if (!decode_exact(r, version, k)) return false;
            if (!value) {
                image = consumer_group_image{};
                return true;
            }
            protocol::consumer_group_metadata_value v;
            if (!decode_value(*value, v)) return false;
            image.group_epoch = v.epoch;
            return true;
        }
        case subscribed_topics_key: {
            protocol::consumer_group_partition_metadata_key k;
            if (!decode_exact(r, version, k)) return false;
            image.subscribed.clear();
            if (!value) return true;
            protocol::consumer_group_partition_metadata_value v;
            if (!decode_value(*value, v)) return false;
            for (const auto& t : v.topics)
                image.subscribed[t.topic_name] = subscribed_topic{t.topic_id, t.num_partitions};
            return true;
        }
        case member_metadata_key: {
            protocol::consumer_group_member_metadata_key k;
            if (!decode_exact(r, version, k)) return false;
            if (!value) {
                image.members.erase(k.member_id);
                return true;
            }
            protocol::consumer_group_member_metadata_value v;
            if (!decode_value(*value, v)) return false;
            consumer_member& m = image.members[k.member_id];
            m.id = k.member_id;
            m.instance_id = v.instance_id;
            m.rack_id = v.rack_id;
            m.client_id = v.client_id;
            m.client_host = v.client_host;
            m.subscribed_topic_names = v.subscribed_topic_names;
            m.subscribed_topic_regex = v.subscribed_topic_regex;
            m.rebalance_timeout_ms = v.rebalance_timeout_ms;
            m.server_assignor = v.server_assignor;
            m.classic.reset();
            if (v.classic_member_metadata) {
                classic_protocol_member c;
                c.session_timeout_ms = v.classic_member_metadata->session_timeout_ms;
                for (const auto& p : v.classic_member_metadata->supported_protocols)
                    c.protocols.emplace_back(p.name, p.metadata);
                m.classic = std::move(c);
            }
            return true;
        }
        case target_epoch_key: {
            protocol::consumer_group_target_assignment_metadata_key k;
            if (!decode_exact(r, version, k)) return false;
            if (!value) {
                image.assignment_epoch = 0;
                return true;
            }
            protocol::consumer_group_target_assignment_metadata_value v;
            if (!decode_value(*value, v)) return false;
            image.assignment_epoch = v.assignment_epoch;
            return true;
        }
        case target_member_key: {
            protocol::consumer_group_target_assignment_member_key k;
            if (!decode_exact(r, version, k)) return false;
            if (!value) {
                image.target.erase(k.member_id);
                return true;
            }
            protocol::consumer_group_target_assignment_member_value v;
            if (!decode_value(*value, v)) return false;
            image.target[k.member_id] = from_wire(v.topic_partitions);
            return true;
        }
        case current_assignment_key: {
            protocol::consumer_group_current_member_assignment_key k;
            if (!decode_exact(r, version, k)) return false;
            auto it = image.members.find(k.member_id);
            if (!value) {
                if (it != image.members.end()) {
                    it->second.member_epoch = it->second.previous_member_epoch = 0;
                    it->second.state = member_state::stable;
                    it->second.assigned.clear();
                    it->second.pending_revocation.clear();
                }
                return true;
            }
            using value_t = protocol::consumer_group_current_member_assignment_value;
            value_t v;
            if (!decode_value(*value, v)) return false;
            if (v.state < 0 || v.state > static_cast<int8_t>(member_state::unreleased_partitions)) return false;
            // Kafka writes a member's metadata before its assignment; an
            // assignment alone belongs to a member being removed.
            if (it == image.members.end()) return true;
            consumer_member& m = it->second;
            m.member_epoch = v.member_epoch;
            m.previous_member_epoch = v.previous_member_epoch;
            m.state = static_cast<member_state>(v.state);
            m.assigned = from_wire(v.assigned_partitions);
            m.pending_revocation = from_wire(v.partitions_pending_revocation);
            return true;
        }
        default:
            return false;
    }
}

}  // namespace sluice::broker::groups

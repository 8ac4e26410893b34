#include "broker/http/console/views.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <map>

#include "broker/broker.h"
#include "broker/config/topic_config.h"
#include "broker/groups/coordinator.h"
#include "broker/http/console/api_support.h"
#include "broker/http/console/peers.h"
#include "broker/topics/topic_registry.h"
#include "log/partition_log.h"
#include "protocol/generated/consumer_protocol_assignment.h"
#include "protocol/uuid_text.h"
#include "replication/metadata_store.h"

namespace sluice::broker::http::console {

namespace json = boost::json;
using protocol::error_code;

namespace {

struct placement {
    int32_t leader = -1;
    std::vector<int32_t> replicas, isr;
};

// The store's registration (every broker knows it), else this broker's
// view of the partition (a single node's store may not keep one).
placement placement_of(broker& b, const std::string& topic, const partition_state& p) {
    placement out;
    if (auto reg = b.metadata().partition_state(topic, p.index)) {
        out.leader = reg->leader;
        out.replicas = reg->replicas;
        out.isr = reg->isr;
        return out;
    }
    if (auto l = p.replica.leader_id()) out.leader = l->value();
    for (auto id : p.replica.replicas())
        out.replicas.push_back(id.value());
    for (auto id : p.replica.isr())
        out.isr.push_back(id.value());
    if (out.replicas.empty()) out.replicas = out.isr = {b.config().node_id};
    return out;
}

json::array ints(const std::vector<int32_t>& v) {
    json::array a;
    for (auto x : v)
        a.push_back(x);
    return a;
}

// This broker's log of the partition, when it hosts a replica.
const log::partition_log* hosted_log(const partition_state& p) {
    const auto& r = p.replica.replicas();
    const bool mine = r.empty() || std::find(r.begin(), r.end(), p.replica.self()) != r.end();
    return mine ? p.log : nullptr;
}

json::value config_value(const topic_state& t, const broker& b, std::string_view name) {
    if (auto v = effective(t.meta.configs, name, b.config())) return json::value(*v);
    return nullptr;
}

}  // namespace

answer cluster_view(broker& b) {
    std::map<int32_t, int64_t> led;
    for (const auto& [name, t] : b.topics().all()) {
        for (const auto& p : t->partitions)
            ++led[placement_of(b, name, *p).leader];
    }
    const auto controller = b.metadata().controller_id();
    json::array brokers;
    for (const auto& n : b.metadata().live_brokers()) {
        json::object o;
        o["id"] = n.id.value();
        o["host"] = n.host;
        o["port"] = n.port;
        o["rack"] = n.rack ? json::value(*n.rack) : json::value(nullptr);
        o["controller"] = controller && *controller == n.id;
        o["partitions_led"] = led[n.id.value()];
        o["this_broker"] = n.id.value() == b.config().node_id;
        brokers.push_back(std::move(o));
    }
    json::object out;
    out["cluster_id"] = b.metadata().cluster_id();
    out["this_broker"] = b.config().node_id;
    out["controller"] = controller ? json::value(controller->value()) : json::value(nullptr);
    out["read_only"] = b.config().http_console_read_only;
    out["brokers"] = std::move(brokers);
    return json_answer(200, out);
}

answer topics_view(broker& b) {
    json::array topics;
    for (const auto& [name, t] : b.topics().all()) {
        int64_t size = 0, under = 0;
        for (const auto& p : t->partitions) {
            if (const auto* l = hosted_log(*p)) size += static_cast<int64_t>(l->size_bytes());
            const placement pl = placement_of(b, name, *p);
            if (pl.isr.size() < pl.replicas.size()) ++under;
        }
        json::object o;
        o["name"] = name;
        o["internal"] = t->internal();
        o["partitions"] = t->meta.partition_count;
        o["replication_factor"] = t->meta.replication_factor;
        o["under_replicated_partitions"] = under;
        o["size_bytes"] = size;  // of the replicas hosted here
        o["cleanup_policy"] = config_value(*t, b, "cleanup.policy");
        o["retention_ms"] = config_value(*t, b, "retention.ms");
        topics.push_back(std::move(o));
    }
    json::object out;
    out["topics"] = std::move(topics);
    return json_answer(200, out);
}

answer topic_view(broker& b, const std::string& topic) {
    const topic_state* t = b.topics().find(topic);
    if (t == nullptr) return api_error(error_code::unknown_topic_or_partition, "Topic " + topic + " does not exist.");
    json::array partitions;
    for (const auto& p : t->partitions) {
        const placement pl = placement_of(b, topic, *p);
        json::object o;
        o["partition"] = p->index;
        o["leader"] = pl.leader;
        o["replicas"] = ints(pl.replicas);
        o["isr"] = ints(pl.isr);
        if (const auto* l = hosted_log(*p)) {
            o["size_bytes"] = static_cast<int64_t>(l->size_bytes());
            o["log_start_offset"] = l->log_start_offset();
            o["log_end_offset"] = l->log_end_offset();
            o["high_watermark"] = l->high_watermark();
            o["segments"] = static_cast<int64_t>(l->segment_count());
        } else {
            // Not hosted here: ask a broker that hosts it.
            o["size_bytes"] = o["log_start_offset"] = o["log_end_offset"] = o["high_watermark"] = nullptr;
            o["segments"] = nullptr;
        }
        partitions.push_back(std::move(o));
    }
    json::array configs;
    for (const auto& e : describe(t->meta.configs, b.config(), false)) {
        json::object c;
        c["name"] = e.name;
        c["value"] = e.value ? json::value(*e.value) : json::value(nullptr);
        c["is_default"] = e.source != config_source::dynamic_topic_config;
        c["sensitive"] = e.is_sensitive;
        configs.push_back(std::move(c));
    }
    json::object out;
    out["name"] = topic;
    out["topic_id"] = protocol::to_base64url(t->meta.topic_id);
    out["internal"] = t->internal();
    out["replication_factor"] = t->meta.replication_factor;
    out["retention_ms"] = config_value(*t, b, "retention.ms");
    out["retention_bytes"] = config_value(*t, b, "retention.bytes");
    out["partitions"] = std::move(partitions);
    out["configs"] = std::move(configs);
    return json_answer(200, out);
}

answer groups_view(broker& b) {
    json::array groups;
    for (const auto& g : b.groups().list({}, {})) {
        json::object o;
        o["group_id"] = g.group_id;
        o["state"] = g.group_state;
        o["protocol_type"] = g.protocol_type;
        o["type"] = g.group_type;
        groups.push_back(std::move(o));
    }
    json::object out;
    out["groups"] = std::move(groups);
    // Only the groups this broker coordinates: each broker lists its own.
    out["coordinated_by"] = b.config().node_id;
    return json_answer(200, out);
}

namespace {

json::array assignment_json(const protocol::bytes& raw) {
    json::array out;
    if (raw.size() < 2) return out;
    protocol::reader r(protocol::bytes_view(raw.data(), raw.size()));
    const int16_t version = r.read_int16();
    protocol::consumer_protocol_assignment a;
    a.decode(r, std::clamp<int16_t>(version, 0, protocol::consumer_protocol_assignment::highest_version));
    if (!r.ok()) return out;  // not the consumer protocol's: shown as no assignment
    for (const auto& tp : a.assigned_partitions) {
        json::object o;
        o["topic"] = tp.topic;
        json::array parts;
        for (auto p : tp.partitions)
            parts.push_back(p);
        o["partitions"] = std::move(parts);
        out.push_back(std::move(o));
    }
    return out;
}

bool is_consumer_protocol(broker& b, const std::string& group_id) {
    for (const auto& g : b.groups().list({}, {"consumer"})) {
        if (g.group_id == group_id) return true;
    }
    return false;
}

}  // namespace

answer group_view(broker& b, const std::string& group_id) {
    if (auto refused = not_coordinator(b, group_id)) return std::move(*refused);
    if (!b.groups().group_exists(group_id)) {
        return api_error(error_code::group_id_not_found, "Group " + group_id + " does not exist.");
    }
    json::object out;
    json::array members;
    if (is_consumer_protocol(b, group_id)) {
        // KIP-848: DescribeGroups does not describe these; ConsumerGroupDescribe does.
        const auto d = b.groups().describe_consumer(group_id);
        if (d.error_code != 0) {
            return api_error(static_cast<error_code>(d.error_code), "ConsumerGroupDescribe failed.");
        }
        out["state"] = d.group_state;
        out["protocol_type"] = "consumer";
        out["protocol"] = d.assignor_name;
        for (const auto& m : d.members) {
            json::object o;
            o["member_id"] = m.member_id;
            o["group_instance_id"] = m.instance_id ? json::value(*m.instance_id) : json::value(nullptr);
            o["client_id"] = m.client_id;
            o["client_host"] = m.client_host;
            json::array assignment;
            for (const auto& tp : m.assignment.topic_partitions) {
                json::object a;
                a["topic"] = tp.topic_name;
                json::array parts;
                for (auto p : tp.partitions) parts.push_back(p);
                a["partitions"] = std::move(parts);
                assignment.push_back(std::move(a));
            }
            o["assignment"] = std::move(assignment);
            members.push_back(std::move(o));
        }
    } else {
        const auto d = b.groups().describe(group_id);
        if (d.error_code != 0) return api_error(static_cast<error_code>(d.error_code), "DescribeGroups failed.");
        out["state"] = d.group_state;
        out["protocol_type"] = d.protocol_type;
        out["protocol"] = d.protocol_data;
        for (const auto& m : d.members) {
            json::object o;
            o["member_id"] = m.member_id;
            o["group_instance_id"] = m.group_instance_id ? json::value(*m.group_instance_id) : json::value(nullptr);
            o["client_id"] = m.client_id;
            o["client_host"] = m.client_host;
            o["assignment"] = d.protocol_type == "consumer" ? assignment_json(m.member_assignment) : json::array();
            members.push_back(std::move(o));
        }
    }
    std::vector<groups::coordinator::fetched_offset> offsets;
    const error_code fetched = b.groups().fetch_offsets(group_id, std::nullopt, offsets);
    if (fetched != error_code::none) return api_error(fetched, "OffsetFetch failed.");
    std::sort(offsets.begin(), offsets.end(), [](const auto& x, const auto& y) {
        return std::tie(x.topic, x.partition) < std::tie(y.topic, y.partition);
    });
    json::array lags;
    int64_t total = 0;
    for (const auto& o : offsets) {
        if (o.offset.offset < 0) continue;
        json::object l;
        l["topic"] = o.topic;
        l["partition"] = o.partition;
        l["committed_offset"] = o.offset.offset;
        l["metadata"] = o.offset.metadata;
        // As the lag series: the high watermark where this broker leads.
        const partition_state* p = b.topics().find(o.topic, o.partition);
        if (p != nullptr && p->replica.is_leader() && p->log != nullptr) {
            const int64_t lag = std::max<int64_t>(0, p->log->high_watermark() - o.offset.offset);
            l["high_watermark"] = p->log->high_watermark();
            l["lag"] = lag;
            total += lag;
        } else {
            l["high_watermark"] = l["lag"] = nullptr;
        }
        lags.push_back(std::move(l));
    }
    out["group_id"] = group_id;
    out["type"] = is_consumer_protocol(b, group_id) ? "consumer" : "classic";
    out["members"] = std::move(members);
    out["offsets"] = std::move(lags);
    out["total_lag"] = total;
    return json_answer(200, out);
}

}  // namespace sluice::broker::http::console

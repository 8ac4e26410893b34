#include "broker/http/console/actions.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <limits>
#include <set>

#include "broker/broker.h"
#include "broker/config/topic_config.h"
#include "broker/groups/coordinator.h"
#include "broker/http/console/api_support.h"
#include "broker/http/console/peers.h"
#include "broker/topics/topic_registry.h"
#include "log/partition_log.h"

namespace sluice::broker::http::console {

namespace json = boost::json;
using protocol::error_code;

namespace {

answer bad_request(std::string_view message) { return api_error(400, error_code::invalid_request, message); }

// The body as a JSON object; nullopt (and `error`) for anything else.
std::optional<json::object> object_of(const std::string& body, std::string& error) {
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    if (ec) {
        error = "the body is not JSON: " + ec.message();
        return std::nullopt;
    }
    if (!v.is_object()) {
        error = "the body must be a JSON object";
        return std::nullopt;
    }
    return std::move(v.as_object());
}

// An integer member in [min, max], `fallback` when absent.
std::optional<int64_t> int_member(const json::object& o, std::string_view name, int64_t fallback, int64_t min,
                                  int64_t max) {
    const json::value* v = o.if_contains(name);
    if (v == nullptr) return fallback;
    if (!v->is_int64() && !v->is_uint64()) return std::nullopt;
    if (v->is_uint64() && v->as_uint64() > static_cast<uint64_t>(max)) return std::nullopt;
    const int64_t x = v->is_int64() ? v->as_int64() : static_cast<int64_t>(v->as_uint64());
    if (x < min || x > max) return std::nullopt;
    return x;
}

answer done_answer(const op_result& r, json::object ok) {
    if (!r.ok()) return api_error(r.code, r.message);
    return json_answer(200, ok);
}

}  // namespace

void create_topic(broker& b, const std::string& body, reply_fn reply) {
    std::string error;
    auto o = object_of(body, error);
    if (!o) return reply(bad_request(error));
    const json::value* name = o->if_contains("name");
    if (name == nullptr || !name->is_string()) return reply(bad_request("name must be a string"));
    auto partitions = int_member(*o, "partitions", -1, -1, std::numeric_limits<int32_t>::max());
    auto factor = int_member(*o, "replication_factor", -1, -1, std::numeric_limits<int16_t>::max());
    if (!partitions || !factor) return reply(bad_request("partitions and replication_factor must be integers"));
    topic_config configs;
    if (const json::value* c = o->if_contains("configs")) {
        if (!c->is_object()) return reply(bad_request("configs must be an object of strings"));
        for (const auto& [k, v] : c->as_object()) {
            if (!v.is_string()) return reply(bad_request("configs must be an object of strings"));
            configs[std::string(k)] = std::string(v.as_string());
        }
    }
    std::string topic(name->as_string());
    b.topics().create(topic, static_cast<int32_t>(*partitions), static_cast<int16_t>(*factor), configs, false,
                      [&b, topic, reply](op_result r) {
                          json::object ok;
                          ok["created"] = topic;
                          if (const topic_state* t = b.topics().find(topic); t != nullptr && r.ok()) {
                              ok["partitions"] = t->meta.partition_count;
                              ok["replication_factor"] = t->meta.replication_factor;
                          }
                          answer a = done_answer(r, std::move(ok));
                          if (r.ok()) a.status = 201;
                          reply(std::move(a));
                      });
}

void delete_topic(broker& b, const std::string& topic, reply_fn reply) {
    if (b.topics().find(topic) == nullptr) {
        return reply(api_error(error_code::unknown_topic_or_partition, "Topic " + topic + " does not exist."));
    }
    if (!b.config().delete_topic_enable) {
        return reply(api_error(error_code::topic_deletion_disabled, "delete.topic.enable is false."));
    }
    b.topics().remove(topic, [topic, reply](op_result r) {
        json::object ok;
        ok["deleted"] = topic;
        reply(done_answer(r, std::move(ok)));
    });
}

void add_partitions(broker& b, const std::string& topic, const std::string& body, reply_fn reply) {
    std::string error;
    auto o = object_of(body, error);
    if (!o) return reply(bad_request(error));
    auto count = int_member(*o, "count", -1, 0, std::numeric_limits<int32_t>::max());
    if (!count || !o->contains("count")) return reply(bad_request("count (the new total) must be an integer"));
    b.topics().add_partitions(topic, static_cast<int32_t>(*count), false, [topic, count = *count, reply](op_result r) {
        json::object ok;
        ok["topic"] = topic;
        ok["partitions"] = count;
        reply(done_answer(r, std::move(ok)));
    });
}

void alter_configs(broker& b, const std::string& topic, const std::string& body, reply_fn reply) {
    std::string error;
    auto o = object_of(body, error);
    if (!o) return reply(bad_request(error));
    std::vector<alter_op> ops;
    if (const json::value* set = o->if_contains("set")) {
        if (!set->is_object()) return reply(bad_request("set must be an object of strings"));
        for (const auto& [k, v] : set->as_object()) {
            if (!v.is_string()) return reply(bad_request("set must be an object of strings"));
            ops.push_back({std::string(k), alter_op_type::set, std::string(v.as_string())});
        }
    }
    if (const json::value* del = o->if_contains("delete")) {
        if (!del->is_array()) return reply(bad_request("delete must be an array of names"));
        for (const auto& k : del->as_array()) {
            if (!k.is_string()) return reply(bad_request("delete must be an array of names"));
            ops.push_back({std::string(k.as_string()), alter_op_type::del, std::nullopt});
        }
    }
    if (ops.empty()) return reply(bad_request("nothing to change: give set and/or delete"));
    if (b.topics().find(topic) == nullptr) {
        return reply(api_error(error_code::unknown_topic_or_partition, "Topic " + topic + " does not exist."));
    }
    b.topics().update_configs(
        topic,
        [&b, ops = std::move(ops)](topic_config& overrides) { return apply_incremental(overrides, ops, b.config()); },
        false,
        [topic, reply](op_result r) {
            json::object ok;
            ok["topic"] = topic;
            reply(done_answer(r, std::move(ok)));
        });
}

void reset_offsets(broker& b, const std::string& group_id, const std::string& body, reply_fn reply) {
    std::string error;
    auto o = object_of(body, error);
    if (!o) return reply(bad_request(error));
    const json::value* strategy = o->if_contains("strategy");
    if (strategy == nullptr || !strategy->is_string() ||
        (strategy->as_string() != "earliest" && strategy->as_string() != "latest" &&
         strategy->as_string() != "timestamp")) {
        return reply(bad_request("strategy must be earliest, latest or timestamp"));
    }
    const std::string how(strategy->as_string());
    auto timestamp = int_member(*o, "timestamp", -1, 0, std::numeric_limits<int64_t>::max());
    if (!timestamp || (how == "timestamp" && *timestamp < 0)) {
        return reply(bad_request("timestamp (ms since the epoch) is needed with strategy timestamp"));
    }
    const json::value* topic = o->if_contains("topic");
    if (topic != nullptr && !topic->is_string()) return reply(bad_request("topic must be a string"));
    if (group_id.empty()) return reply(api_error(error_code::invalid_group_id, "The group id is empty."));
    if (auto refused = not_coordinator(b, group_id)) return reply(std::move(*refused));
    // As kafka-consumer-groups.sh: only a group with no members is reset.
    for (const auto& g : b.groups().list({}, {})) {
        if (g.group_id == group_id && g.group_state != "Empty" && g.group_state != "Dead") {
            return reply(
                api_error(error_code::non_empty_group, "Group " + group_id + " has members (state " + g.group_state +
                                                           "); offsets can only be reset while it is inactive."));
        }
    }
    // One topic, or every topic the group has committed offsets for.
    std::set<std::string> topics;
    if (topic != nullptr) {
        topics.insert(std::string(topic->as_string()));
    } else {
        std::vector<groups::coordinator::fetched_offset> committed;
        if (auto e = b.groups().fetch_offsets(group_id, std::nullopt, committed); e != error_code::none) {
            return reply(api_error(e, "OffsetFetch failed."));
        }
        for (const auto& c : committed)
            topics.insert(c.topic);
        if (topics.empty()) return reply(bad_request("the group has no committed offsets: name a topic"));
    }
    protocol::offset_commit_request req;
    req.group_id = group_id;
    req.generation_id_or_member_epoch = -1;
    json::array planned;
    for (const auto& name : topics) {
        const topic_state* t = b.topics().find(name);
        if (t == nullptr) {
            return reply(api_error(error_code::unknown_topic_or_partition, "Topic " + name + " does not exist."));
        }
        protocol::offset_commit_request::offset_commit_request_topic rt;
        rt.name = name;
        for (const auto& p : t->partitions) {
            if (auto refused = not_leader(b, name, p->index)) return reply(std::move(*refused));
            const log::partition_log& l = *p->log;
            int64_t target = how == "earliest" ? l.log_start_offset() : l.high_watermark();
            if (how == "timestamp") {
                // Past the last record's timestamp: the end, as Kafka's tool does.
                if (auto found = l.offset_for_timestamp(*timestamp); found && found->offset < l.high_watermark()) {
                    target = std::max(found->offset, l.log_start_offset());
                }
            }
            protocol::offset_commit_request::offset_commit_request_partition rp;
            rp.partition_index = p->index;
            rp.committed_offset = target;
            rt.partitions.push_back(rp);
            json::object one;
            one["topic"] = name;
            one["partition"] = p->index;
            one["offset"] = target;
            planned.push_back(std::move(one));
        }
        req.topics.push_back(std::move(rt));
    }
    b.groups().commit_offsets(
        req, 8, [group_id, planned = std::move(planned), reply](protocol::offset_commit_response res) mutable {
            for (const auto& t : res.topics) {
                for (const auto& p : t.partitions) {
                    if (p.error_code != 0) {
                        return reply(
                            api_error(static_cast<error_code>(p.error_code),
                                      "Committing " + t.name + "-" + std::to_string(p.partition_index) + " failed."));
                    }
                }
            }
            json::object ok;
            ok["group_id"] = group_id;
            ok["offsets"] = std::move(planned);
            reply(json_answer(200, ok));
        });
}

void delete_group(broker& b, const std::string& group_id, reply_fn reply) {
    if (auto refused = not_coordinator(b, group_id)) return reply(std::move(*refused));
    const error_code e = b.groups().delete_group(group_id);
    if (e != error_code::none) {
        const std::string why = e == error_code::non_empty_group ? "The group has members." : "DeleteGroups failed.";
        return reply(api_error(e, "Group " + group_id + ": " + why));
    }
    json::object ok;
    ok["deleted"] = group_id;
    reply(json_answer(200, ok));
}

}  // namespace sluice::broker::http::console

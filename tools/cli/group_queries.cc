#include "tools/cli/group_queries.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "protocol/generated/consumer_group_describe.h"
#include "protocol/generated/consumer_protocol_assignment.h"
#include "protocol/generated/delete_groups.h"
#include "protocol/generated/describe_groups.h"
#include "protocol/generated/list_groups.h"
#include "protocol/generated/list_offsets.h"
#include "protocol/generated/offset_commit.h"
#include "protocol/generated/offset_delete.h"
#include "protocol/generated/offset_fetch.h"
#include "tools/cli/broker_error.h"

namespace sluice::tools {

namespace {

constexpr int16_t leader_not_available = 5;

// The coordinator moved, or is still loading the group: ask again, as
// Kafka's AdminClient does, until the command's timeout.
bool coordinator_retriable(int16_t code) { return code == 14 || code == 15 || code == 16; }

template <typename Fn>
auto with_coordinator(broker_pool& pool, const std::string& group, Fn fn) {
    auto deadline = std::chrono::steady_clock::now() + pool.timeout();
    while (true) {
        try {
            int32_t coordinator = pool.coordinator_of(group);
            kafka_client* client = nullptr;
            try {
                client = &pool.node(coordinator);
            } catch (const kafka_error&) {
                throw;
            } catch (const cli_error&) {
                // A coordinator that just died is still named until its
                // partition has a new leader.
                if (std::chrono::steady_clock::now() >= deadline) throw;
                pool.forget_coordinator(group);
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
                continue;
            }
            return fn(*client, coordinator);
        } catch (const kafka_error& e) {
            if (!coordinator_retriable(e.code()) || std::chrono::steady_clock::now() >= deadline) throw;
            pool.forget_coordinator(group);
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
    }
}

bool is_consumer_group(const std::string& protocol_type) {
    return protocol_type.empty() || protocol_type == "consumer";
}

// A member's assignment in the consumer protocol: int16 version, then the
// version's fields; later versions only append fields, so an unknown newer
// version is read as the newest we know (Kafka does the same).
std::vector<topic_partition> decode_assignment(const protocol::bytes& data) {
    std::vector<topic_partition> out;
    if (data.size() < 2) return out;
    protocol::reader r(data);
    int16_t version = r.read_int16();
    if (!r.ok() || version < 0) return out;
    protocol::consumer_protocol_assignment assignment;
    assignment.decode(r, std::min(version, protocol::consumer_protocol_assignment::highest_version));
    if (!r.ok()) return out;
    for (const auto& tp : assignment.assigned_partitions) {
        for (int32_t p : tp.partitions)
            out.emplace_back(tp.topic, p);
    }
    std::sort(out.begin(), out.end());
    return out;
}

constexpr int16_t group_id_not_found = 69;

// A KIP-848 (consumer protocol) group, which the classic DescribeGroups
// reports as Dead: ConsumerGroupDescribe, as Kafka 4's AdminClient asks.
// nullopt when the broker lacks the API or the group is not such a group.
std::optional<group_description> describe_consumer_protocol(kafka_client& client, const std::string& group,
                                                            int32_t coordinator) {
    int16_t version = 0;
    try {
        version = client.version_for<protocol::consumer_group_describe_request>();
    } catch (const kafka_error&) {
        throw;
    } catch (const cli_error&) {
        return std::nullopt;  // a broker before KIP-848
    }
    protocol::consumer_group_describe_request request;
    request.group_ids.push_back(group);
    auto response = client.call<protocol::consumer_group_describe_response>(request, version);
    for (const auto& g : response.groups) {
        if (g.group_id != group) continue;
        if (g.error_code == group_id_not_found) return std::nullopt;
        check_error(g.error_code, g.error_message, "cannot describe group '" + group + "'");
        group_description out{g.group_id, g.group_state, "consumer", g.assignor_name, coordinator, {}};
        for (const auto& m : g.members) {
            std::vector<topic_partition> assignment;
            for (const auto& tp : m.assignment.topic_partitions) {
                for (int32_t p : tp.partitions)
                    assignment.emplace_back(tp.topic_name, p);
            }
            std::sort(assignment.begin(), assignment.end());
            out.members.push_back(
                {m.member_id, m.instance_id.value_or(""), m.client_id, m.client_host, std::move(assignment)});
        }
        return out;
    }
    return std::nullopt;
}

}  // namespace

std::vector<listed_group> list_groups(broker_pool& pool) {
    std::vector<listed_group> out;
    for (const auto& [id, address] : pool.brokers()) {
        kafka_client& client = pool.node(id);
        protocol::list_groups_request request;
        auto response =
            client.call<protocol::list_groups_response>(request, client.version_for<protocol::list_groups_request>());
        check_error(response.error_code, std::nullopt, "cannot list the groups of broker " + std::to_string(id));
        for (const auto& g : response.groups) {
            if (is_consumer_group(g.protocol_type)) out.push_back({g.group_id, g.group_state, id});
        }
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.group < b.group; });
    return out;
}

group_description describe_group(broker_pool& pool, const std::string& group) {
    return with_coordinator(pool, group, [&](kafka_client& client, int32_t coordinator) {
        protocol::describe_groups_request request;
        request.groups.push_back(group);
        auto response = client.call<protocol::describe_groups_response>(
            request, client.version_for<protocol::describe_groups_request>());
        for (const auto& g : response.groups) {
            if (g.group_id != group) continue;
            check_error(g.error_code, std::nullopt, "cannot describe group '" + group + "'");
            if (g.group_state == "Dead") {
                if (auto consumer = describe_consumer_protocol(client, group, coordinator)) return *consumer;
            }
            group_description out{g.group_id, g.group_state, g.protocol_type, g.protocol_data, coordinator, {}};
            for (const auto& m : g.members) {
                out.members.push_back({m.member_id, m.group_instance_id.value_or(""), m.client_id, m.client_host,
                                       is_consumer_group(g.protocol_type) ? decode_assignment(m.member_assignment)
                                                                          : std::vector<topic_partition>{}});
            }
            return out;
        }
        throw cli_error("cannot describe group '" + group + "': the coordinator did not answer for it");
    });
}

std::map<topic_partition, int64_t> fetch_committed(broker_pool& pool, const std::string& group) {
    return with_coordinator(pool, group, [&](kafka_client& client, int32_t) {
        // v2 is the first where a null topic list means "every partition"; v8
        // batches groups in another layout we do not need.
        int16_t version = client.pick_version(protocol::offset_fetch_request::api_key, 2, 7);
        protocol::offset_fetch_request request;
        request.group_id = group;
        auto response = client.call<protocol::offset_fetch_response>(request, version);
        check_error(response.error_code, std::nullopt, "cannot fetch the offsets of group '" + group + "'");
        std::map<topic_partition, int64_t> out;
        for (const auto& t : response.topics) {
            for (const auto& p : t.partitions) {
                check_error(p.error_code, p.metadata,
                            "cannot fetch the offset of group '" + group + "' for " + t.name + "-" +
                                std::to_string(p.partition_index));
                if (p.committed_offset >= 0) out[{t.name, p.partition_index}] = p.committed_offset;
            }
        }
        return out;
    });
}

std::map<topic_partition, offset_answer> list_offsets(broker_pool& pool, const std::set<topic_partition>& partitions,
                                                      int64_t timestamp) {
    std::set<std::string> topic_set;
    for (const auto& tp : partitions)
        topic_set.insert(tp.first);
    std::map<std::string, int16_t> topic_errors;
    auto leaders = pool.leaders_of({topic_set.begin(), topic_set.end()}, topic_errors);
    std::map<topic_partition, offset_answer> out;
    std::map<int32_t, std::map<std::string, std::vector<int32_t>>> by_leader;
    for (const auto& tp : partitions) {
        auto it = leaders.find(tp);
        if (it == leaders.end()) {
            auto e = topic_errors.find(tp.first);
            out[tp] = {e == topic_errors.end() ? leader_not_available : e->second, -1};
        } else {
            by_leader[it->second][tp.first].push_back(tp.second);
        }
    }
    for (const auto& [leader, topics] : by_leader) {
        kafka_client& client = pool.node(leader);
        // v1 is the first with one offset per partition instead of v0's array.
        int16_t version = client.version_for<protocol::list_offsets_request>(1);
        protocol::list_offsets_request request;
        request.replica_id = -1;
        request.isolation_level = 0;
        request.timeout_ms = static_cast<int32_t>(pool.timeout().count());
        for (const auto& [topic, ps] : topics) {
            protocol::list_offsets_request::list_offsets_topic t;
            t.name = topic;
            for (int32_t p : ps) {
                protocol::list_offsets_request::list_offsets_partition lp;
                lp.partition_index = p;
                lp.timestamp = timestamp;
                t.partitions.push_back(lp);
            }
            request.topics.push_back(std::move(t));
        }
        auto response = client.call<protocol::list_offsets_response>(request, version);
        for (const auto& t : response.topics) {
            for (const auto& p : t.partitions) {
                topic_partition tp{t.name, p.partition_index};
                if (partitions.count(tp)) out[tp] = {p.error_code, p.offset};
            }
        }
    }
    return out;
}

void commit_offsets(broker_pool& pool, const std::string& group, const std::map<topic_partition, int64_t>& offsets) {
    // Committing the same offsets again is harmless, so a retry may resend all.
    with_coordinator(pool, group, [&](kafka_client& client, int32_t) {
        // v2+ carries retention_time_ms (-1: the broker's default); v8 is flexible.
        int16_t version = client.pick_version(protocol::offset_commit_request::api_key, 2,
                                              protocol::offset_commit_request::highest_version);
        protocol::offset_commit_request request;
        request.group_id = group;
        request.generation_id_or_member_epoch = -1;
        request.member_id = "";
        std::map<std::string, std::vector<std::pair<int32_t, int64_t>>> by_topic;
        for (const auto& [tp, offset] : offsets)
            by_topic[tp.first].emplace_back(tp.second, offset);
        for (const auto& [topic, ps] : by_topic) {
            protocol::offset_commit_request::offset_commit_request_topic t;
            t.name = topic;
            for (auto [p, offset] : ps) {
                protocol::offset_commit_request::offset_commit_request_partition cp;
                cp.partition_index = p;
                cp.committed_offset = offset;
                cp.committed_metadata = "";
                t.partitions.push_back(cp);
            }
            request.topics.push_back(std::move(t));
        }
        auto response = client.call<protocol::offset_commit_response>(request, version);
        for (const auto& t : response.topics) {
            for (const auto& p : t.partitions) {
                check_error(p.error_code, std::nullopt,
                            "cannot commit the offset of group '" + group + "' for " + t.name + "-" +
                                std::to_string(p.partition_index));
            }
        }
        return 0;
    });
}

offset_deletion delete_offsets(broker_pool& pool, const std::string& group, const std::set<topic_partition>& partitions) {
    return with_coordinator(pool, group, [&](kafka_client& client, int32_t) {
        protocol::offset_delete_request request;
        request.group_id = group;
        for (const auto& tp : partitions) {
            if (request.topics.empty() || request.topics.back().name != tp.first) request.topics.emplace_back().name = tp.first;
            request.topics.back().partitions.emplace_back().partition_index = tp.second;
        }
        auto response = client.call<protocol::offset_delete_response>(request, 0);
        // Kafka's AdminClient retries these at the group's new coordinator.
        if (coordinator_retriable(response.error_code)) throw kafka_error(response.error_code, "coordinator moved");
        offset_deletion out;
        out.error_code = response.error_code;
        for (const auto& t : response.topics) {
            for (const auto& p : t.partitions) out.partitions[{t.name, p.partition_index}] = p.error_code;
        }
        return out;
    });
}

std::map<std::string, int16_t> delete_groups(broker_pool& pool, const std::vector<std::string>& groups) {
    std::map<std::string, int16_t> out;
    std::vector<std::string> pending = groups;
    auto deadline = std::chrono::steady_clock::now() + pool.timeout();
    while (true) {
        std::map<int32_t, std::vector<std::string>> by_coordinator;
        for (const auto& g : pending) {
            try {
                by_coordinator[pool.coordinator_of(g)].push_back(g);
            } catch (const kafka_error& e) {
                out[g] = e.code();
            }
        }
        for (const auto& [coordinator, names] : by_coordinator) {
            kafka_client& client = pool.node(coordinator);
            protocol::delete_groups_request request;
            request.groups_names = names;
            auto response = client.call<protocol::delete_groups_response>(
                request, client.version_for<protocol::delete_groups_request>());
            for (const auto& r : response.results)
                out[r.group_id] = r.error_code;
        }
        pending.clear();
        for (const auto& [g, code] : out) {
            if (coordinator_retriable(code)) pending.push_back(g);
        }
        if (pending.empty() || std::chrono::steady_clock::now() >= deadline) return out;
        for (const auto& g : pending)
            pool.forget_coordinator(g);
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
}

}  // namespace sluice::tools

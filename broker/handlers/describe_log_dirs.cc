// DescribeLogDirs: the size of every (or each requested) partition this
// broker is a replica of, grouped by the log dir that holds it, with the
// dir's capacity.
#include "protocol/generated/describe_log_dirs.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "broker/broker.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"
#include "broker/topics/topic_registry.h"
#include "log/log_manager.h"

namespace sluice::broker {

using response_t = protocol::describe_log_dirs_response;

handler_result handle_describe_log_dirs(broker& b, request& req) {
    protocol::describe_log_dirs_request body;
    if (!decode_body(req, body)) return handler_result::close();
    // Kafka: no results without DESCRIBE on the cluster (v3+ also says why).
    if (!cluster_authorized(b, req, acl_operation::describe)) {
        return refuse_with<protocol::describe_log_dirs_response>(req,
                                                                 protocol::error_code::cluster_authorization_failed);
    }

    auto wanted = [&](const std::string& topic, int32_t partition) {
        if (!body.topics) return true;
        for (const auto& t : *body.topics) {
            if (t.topic != topic) continue;
            for (int32_t p : t.partitions) {
                if (p == partition) return true;
            }
        }
        return false;
    };

    response_t response;
    std::map<std::string, size_t> by_dir;
    for (const auto& dir : b.logs().dirs()) {
        response_t::describe_log_dirs_result result;
        std::error_code ec;
        result.log_dir = std::filesystem::absolute(dir, ec).lexically_normal().string();
        auto space = std::filesystem::space(dir, ec);
        if (!ec) {
            result.total_bytes = static_cast<int64_t>(space.capacity);
            result.usable_bytes = static_cast<int64_t>(space.available);
        }
        by_dir[result.log_dir] = response.results.size();
        response.results.push_back(std::move(result));
    }
    const int32_t self = b.config().node_id;
    for (const auto& [name, topic] : b.topics().all()) {
        // Only the replicas this broker hosts: in a cluster every broker
        // knows every partition, but holds the data of its own replicas only.
        auto states = b.metadata().partition_states(name);
        auto hosted = [&](int32_t p) {
            if (p < 0 || static_cast<size_t>(p) >= states.size()) return false;
            const auto& replicas = states[static_cast<size_t>(p)].replicas;
            return std::find(replicas.begin(), replicas.end(), self) != replicas.end();
        };
        for (const auto& p : topic->partitions) {
            if (!wanted(name, p->index) || !hosted(p->index)) continue;
            std::error_code ec;
            std::string dir = std::filesystem::absolute(p->log->dir().parent_path(), ec).lexically_normal().string();
            auto it = by_dir.find(dir);
            if (it == by_dir.end()) continue;
            auto& topics = response.results[it->second].topics;
            if (topics.empty() || topics.back().name != name) {
                response_t::describe_log_dirs_topic t;
                t.name = name;
                topics.push_back(std::move(t));
            }
            response_t::describe_log_dirs_partition part;
            part.partition_index = p->index;
            part.partition_size = static_cast<int64_t>(p->log->size_bytes());
            part.offset_lag = 0;
            topics.back().partitions.push_back(part);
        }
    }
    return respond_with(req, response);
}

}  // namespace sluice::broker

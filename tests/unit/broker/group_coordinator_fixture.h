#pragma once
// Fixture for the group coordinator tests: the coordinator driven directly: JoinGroup,
// SyncGroup, Heartbeat, LeaveGroup, static membership, offsets, listing,
// deletion, retention and restart. A real broker (logs, topics,
// __consumer_offsets) is built in a temp dir but never run: callbacks are
// collected synchronously, and time passes only through tick(now + x).
#include "unit/temp_dir.h"
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "broker/broker.h"
#include "broker/groups/coordinator.h"
#include "broker/topics/topic_registry.h"
#include "unit/broker/registry_calls.h"
#include "protocol/error_code.h"
#include "protocol/generated/consumer_protocol_subscription.h"

// Readable error codes in failure messages (internal linkage: other test
// files may print them their own way).
namespace sluice::protocol {
[[maybe_unused]] static void PrintTo(error_code e, std::ostream* os) {
    *os << error_name(e) << " (" << to_wire(e) << ")";
}
}  // namespace sluice::protocol

namespace sluice::broker::groups::test {

using protocol::bytes;
using protocol::error_code;
using protocol::to_wire;

constexpr int16_t wire(error_code e) { return to_wire(e); }

class temp_dir : public sluice::testing::temp_dir {
public:
    temp_dir() : sluice::testing::temp_dir("sluice-group-coordinator-test") {}
};

// Answers of one JoinGroup / SyncGroup call; owned jointly by the test and
// the coordinator's stored callback.
struct join_box {
    std::vector<protocol::join_group_response> got;
    bool done() const { return !got.empty(); }
    const protocol::join_group_response& r() const { return got.back(); }
};
struct sync_box {
    std::vector<protocol::sync_group_response> got;
    bool done() const { return !got.empty(); }
    const protocol::sync_group_response& r() const { return got.back(); }
};

struct proto {
    std::string name;
    bytes metadata;
};

inline const std::vector<proto> default_protocols{{"range", {0x01}}};

inline protocol::join_group_request join_req(const std::string& group, const std::string& member_id = "",
                                      const std::vector<proto>& protocols = default_protocols,
                                      int32_t session_timeout_ms = 30000,
                                      const std::optional<std::string>& instance_id = std::nullopt) {
    protocol::join_group_request r;
    r.group_id = group;
    r.session_timeout_ms = session_timeout_ms;
    r.rebalance_timeout_ms = 60000;
    r.member_id = member_id;
    r.group_instance_id = instance_id;
    r.protocol_type = "consumer";
    for (const auto& p : protocols) {
        protocol::join_group_request::join_group_request_protocol jp;
        jp.name = p.name;
        jp.metadata = p.metadata;
        r.protocols.push_back(std::move(jp));
    }
    return r;
}

// Consumer-protocol member metadata: int16 version, then the subscription.
inline bytes subscription_of(const std::vector<std::string>& topics) {
    protocol::consumer_protocol_subscription sub;
    sub.topics = topics;
    protocol::writer w;
    w.write_int16(0);
    sub.encode(w, 0);
    return w.buffer();
}

inline broker_config base_config(const std::filesystem::path& dir) {
    broker_config cfg;
    cfg.listeners = {{"PLAINTEXT", "127.0.0.1", 0, "PLAINTEXT"}};
    cfg.advertised_listeners = cfg.listeners;
    cfg.log_dirs = {dir.string()};
    cfg.group_initial_rebalance_delay_ms = 0;
    cfg.group_min_session_timeout_ms = 10;
    cfg.offsets_topic_num_partitions = 3;
    return cfg;
}

class GroupCoordinator : public ::testing::Test {
protected:
    void SetUp() override { start(base_config(dir_.path())); }

    void start(broker_config cfg) {
        b_.reset();
        b_ = std::make_unique<broker>(std::move(cfg));
    }
    // Drops the broker without a clean shutdown (as a crash would) and
    // opens a new one on the same directory.
    void restart() { start(base_config(dir_.path())); }

    // The broker's own coordinator, or one a test made with other settings.
    coordinator& co() { return other_ != nullptr ? *other_ : b_->groups(); }

    void create_topic(const std::string& name, int32_t partitions = 3) {
        auto r = testing::create_now(b_->topics(), name, partitions, 1, {}, false);
        ASSERT_TRUE(r.ok()) << r.message;
    }

    std::shared_ptr<join_box> join(const protocol::join_group_request& req, int16_t version = 5) {
        auto box = std::make_shared<join_box>();
        co().join(req, version, "client", "/127.0.0.1",
                  [box](protocol::join_group_response r) { box->got.push_back(std::move(r)); });
        return box;
    }

    std::shared_ptr<sync_box> sync(const std::string& group, const std::string& member_id, int32_t generation,
                                   const std::vector<std::pair<std::string, bytes>>& assignments = {},
                                   const std::optional<std::string>& instance_id = std::nullopt) {
        protocol::sync_group_request req;
        req.group_id = group;
        req.member_id = member_id;
        req.generation_id = generation;
        req.group_instance_id = instance_id;
        for (const auto& [id, a] : assignments) {
            protocol::sync_group_request::sync_group_request_assignment sa;
            sa.member_id = id;
            sa.assignment = a;
            req.assignments.push_back(std::move(sa));
        }
        auto box = std::make_shared<sync_box>();
        co().sync(req, 5, [box](protocol::sync_group_response r) { box->got.push_back(std::move(r)); });
        return box;
    }

    error_code heartbeat(const std::string& group, const std::string& member_id, int32_t generation,
                         const std::optional<std::string>& instance_id = std::nullopt) {
        protocol::heartbeat_request req;
        req.group_id = group;
        req.member_id = member_id;
        req.generation_id = generation;
        req.group_instance_id = instance_id;
        return co().heartbeat(req);
    }

    // KIP-394 first step: a v5 join with an empty id hands out a member id.
    std::string new_member_id(const std::string& group, const std::vector<proto>& protocols = default_protocols) {
        auto first = join(join_req(group, "", protocols));
        EXPECT_TRUE(first->done());
        EXPECT_EQ(first->r().error_code, wire(error_code::member_id_required));
        EXPECT_FALSE(first->r().member_id.empty());
        return first->r().member_id;
    }

    std::string state_of(const std::string& group) { return co().describe(group).group_state; }

    struct formed_group {
        std::vector<std::string> ids;  // join order
        int32_t generation = -1;
        std::string leader;
    };

    // Grows a group one dynamic member at a time (each newcomer triggers a
    // rebalance the others rejoin) and leaves it Stable, every member
    // assigned the single byte of its join index.
    formed_group form_stable(const std::string& group, int n, const std::vector<int32_t>& session_timeouts = {},
                             const std::vector<proto>& protocols = default_protocols) {
        formed_group f;
        std::vector<int32_t> sessions;
        for (int i = 0; i < n; ++i) {
            int32_t session = i < static_cast<int>(session_timeouts.size()) ? session_timeouts[i] : 30000;
            sessions.push_back(session);
            std::string id = new_member_id(group, protocols);
            std::vector<std::shared_ptr<join_box>> boxes;
            boxes.push_back(join(join_req(group, id, protocols, session)));
            // A rejoin carries the member's own session timeout, as clients do
            // (the coordinator takes the timeouts of every JoinGroup).
            for (size_t k = 0; k < f.ids.size(); ++k) boxes.push_back(join(join_req(group, f.ids[k], protocols, sessions[k])));
            f.ids.push_back(id);
            for (const auto& box : boxes) {
                EXPECT_TRUE(box->done());
                if (!box->done()) return f;
                EXPECT_EQ(box->r().error_code, 0);
            }
            f.generation = boxes.front()->r().generation_id;
            f.leader = boxes.front()->r().leader;
            std::vector<std::pair<std::string, bytes>> assignments;
            for (size_t k = 0; k < f.ids.size(); ++k) assignments.push_back({f.ids[k], {static_cast<uint8_t>(k)}});
            auto s = sync(group, f.leader, f.generation, assignments);
            EXPECT_TRUE(s->done());
        }
        EXPECT_EQ(state_of(group), "Stable");
        return f;
    }

    protocol::offset_commit_response commit(const std::string& group, const std::string& topic, int32_t partition,
                                            int64_t offset, int32_t generation = -1,
                                            const std::string& member_id = "",
                                            const std::optional<std::string>& metadata = std::string("meta")) {
        protocol::offset_commit_request req;
        req.group_id = group;
        req.generation_id_or_member_epoch = generation;
        req.member_id = member_id;
        protocol::offset_commit_request::offset_commit_request_topic t;
        t.name = topic;
        protocol::offset_commit_request::offset_commit_request_partition p;
        p.partition_index = partition;
        p.committed_offset = offset;
        p.committed_metadata = metadata;
        t.partitions.push_back(p);
        req.topics.push_back(std::move(t));
        return commit_now(req, 8);
    }
    // A single node's commit is replicated as soon as it is appended: the
    // answer comes before commit_offsets returns.
    protocol::offset_commit_response commit_now(const protocol::offset_commit_request& req, int16_t version) {
        std::optional<protocol::offset_commit_response> out;
        co().commit_offsets(req, version, [&](protocol::offset_commit_response r) { out = std::move(r); });
        EXPECT_TRUE(out.has_value()) << "the commit was not answered at once";
        return out.value_or(protocol::offset_commit_response{});
    }
    static int16_t only_error(const protocol::offset_commit_response& r) {
        EXPECT_EQ(r.topics.size(), 1u);
        EXPECT_EQ(r.topics.at(0).partitions.size(), 1u);
        return r.topics.at(0).partitions.at(0).error_code;
    }

    // The committed offset of one partition (-1 when none).
    committed_offset fetched(const std::string& group, const std::string& topic, int32_t partition) {
        std::vector<coordinator::fetched_offset> out;
        coordinator::fetch_topics topics{{{topic, {partition}}}};
        EXPECT_EQ(co().fetch_offsets(group, topics, out), error_code::none);
        EXPECT_EQ(out.size(), 1u);
        return out.empty() ? committed_offset{} : out.front().offset;
    }

    std::vector<std::string> listed(const std::vector<std::string>& states = {}) {
        std::vector<std::string> ids;
        for (const auto& g : co().list(states, {})) ids.push_back(g.group_id);
        return ids;
    }

    temp_dir dir_;  // declared first: outlives the broker
    std::unique_ptr<broker> b_;
    coordinator* other_ = nullptr;
};

}  // namespace sluice::broker::groups::test

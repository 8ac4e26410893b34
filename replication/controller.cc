#include "replication/controller.h"

#include <spdlog/spdlog.h>

#include <boost/asio/steady_timer.hpp>

#include "protocol/uuid_text.h"
#include "replication/controlled_shutdown.h"
#include "replication/leader_rebalance.h"
#include "replication/partition_reassignment.h"

namespace sluice::replication {

using protocol::error_code;

controller::controller(boost::asio::any_io_executor executor, cluster_metadata& metadata,
                       const broker_directory& brokers, const controller_election& election, settings s)
    : executor_(std::move(executor)),
      metadata_(metadata),
      brokers_(brokers),
      election_(election),
      settings_(s),
      imbalance_timer_(executor_) {}

controller::~controller() {
    *alive_ = false;
    imbalance_timer_.cancel();
}

std::set<int32_t> controller::live() const {
    std::set<int32_t> ids;
    for (const auto& [id, info] : brokers_.live()) ids.insert(id);
    return ids;
}

std::set<int32_t> controller::leaving() const {
    std::set<int32_t> ids = live();
    for (int32_t id : leader_candidates(brokers_.live())) ids.erase(id);
    return ids;
}

bool controller::unclean_allowed(const topic_record& t) const {
    auto it = t.configs.find("unclean.leader.election.enable");
    return it == t.configs.end() ? settings_.unclean_leader_election : it->second == "true";
}

void controller::elected() {
    in_flight_.clear();
    brokers_changed();
    schedule_imbalance_check();
}

void controller::schedule_imbalance_check() {
    if (!settings_.auto_leader_rebalance) return;
    imbalance_timer_.cancel();
    imbalance_timer_.expires_after(settings_.imbalance_check_interval);
    std::weak_ptr<bool> alive = alive_;
    imbalance_timer_.async_wait([this, alive](boost::system::error_code ec) {
        if (ec || alive.expired()) return;
        // Deposed meanwhile: the next election starts the timer again.
        if (!election_.is_controller()) return;
        check_imbalance();
        schedule_imbalance_check();
    });
}

size_t controller::check_imbalance() {
    if (!election_.is_controller() || !brokers_.loaded()) return 0;
    struct where {
        const cluster_metadata::topic_entry* topic;
        int32_t partition;
    };
    std::vector<where> places;
    std::vector<const partition_registration*> states;
    for (const auto& [name, t] : metadata_.topics()) {
        for (const auto& [p, entry] : metadata_.partitions_of(t.topic.topic_id)) {
            if (p >= t.topic.partition_count) break;
            places.push_back({&t, p});
            states.push_back(&entry.state);
        }
    }
    const std::set<int32_t> alive = live();
    size_t moved = 0;
    for (size_t i : partitions_to_rebalance(states, alive, leaving(), settings_.imbalance_percentage)) {
        auto next = preferred_leader(*states[i], alive);
        if (!next) continue;
        spdlog::info("cluster: preferred leader election for {}-{}: broker {} leads again",
                     places[i].topic->topic.name, places[i].partition, next->leader);
        write(*places[i].topic, places[i].partition, std::move(*next));
        ++moved;
    }
    return moved;
}

void controller::brokers_changed() {
    if (!election_.is_controller() || !brokers_.loaded()) return;
    for (const auto& [name, t] : metadata_.topics()) reconcile(name);
}

void controller::topics_changed(const std::set<std::string>& topics) {
    if (!election_.is_controller() || !brokers_.loaded()) return;
    for (const auto& name : topics) reconcile(name);
}

void controller::reconcile(const std::string& name) {
    if (!election_.is_controller()) return;
    const cluster_metadata::topic_entry* t = metadata_.find(name);
    if (t == nullptr) return;
    const std::set<int32_t> alive = live();
    const std::set<int32_t> going = leaving();
    const auto& parts = metadata_.partitions_of(t->topic.topic_id);
    for (const auto& [p, entry] : parts) {
        if (p >= t->topic.partition_count) break;  // written ahead of a count update
        // Preferred leaders come back on the imbalance timer, not here.
        auto next = after_broker_change(entry.state, alive, unclean_allowed(t->topic));
        if (!next) {
            next = away_from_leaving(entry.state, alive, going);
            if (next && next->leader != entry.state.leader) {
                spdlog::info("cluster: controlled shutdown of broker {}: {}-{} now led by broker {}",
                             entry.state.leader, t->topic.name, p, next->leader);
            }
        }
        if (!next) {
            next = complete_reassignment(entry.state, alive);
            if (next) {
                spdlog::info("cluster: reassignment of {}-{} complete: {} replica(s), led by broker {}",
                             t->topic.name, p, next->replicas.size(), next->leader);
            }
        }
        if (next) write(*t, p, std::move(*next));
    }
}

void controller::write(const cluster_metadata::topic_entry& t, int32_t partition, partition_registration next) {
    auto key = std::make_pair(protocol::to_base64url(t.topic.topic_id), partition);
    // One write per partition at a time; the mirror's answer re-runs the decision.
    if (!in_flight_.insert(key).second) return;
    if (next.leader == no_leader) {
        spdlog::warn("cluster: {}-{} has no live in-sync replica; it is offline", t.topic.name, partition);
    }
    std::weak_ptr<bool> alive = alive_;
    metadata_.update_partition(
        t.topic.topic_id, partition, std::move(next), {election_.fenced_by()},
        [this, alive, key, name = t.topic.name](write_result r) {
            if (alive.expired()) return;
            auto again = [this, alive, key, name] {
                if (alive.expired()) return;
                in_flight_.erase(key);
                reconcile(name);
            };
            // Done: decide again once the mirror shows it. Refused or
            // unanswered: the mirror may not change at all, so look again soon.
            if (r.ok()) return metadata_.after(r.revision, again);
            auto timer = std::make_shared<boost::asio::steady_timer>(executor_, std::chrono::milliseconds(200));
            timer->async_wait([timer, again](boost::system::error_code) { again(); });
        });
}

error_code controller::elect_preferred(const std::string& topic, int32_t partition) {
    if (!election_.is_controller()) return error_code::not_controller;
    const cluster_metadata::topic_entry* t = metadata_.find(topic);
    if (t == nullptr || partition < 0 || partition >= t->topic.partition_count) {
        return error_code::unknown_topic_or_partition;
    }
    const auto& parts = metadata_.partitions_of(t->topic.topic_id);
    auto it = parts.find(partition);
    if (it == parts.end()) return error_code::unknown_topic_or_partition;
    const partition_registration& state = it->second.state;
    if (!state.replicas.empty() && state.leader == state.replicas.front()) return error_code::election_not_needed;
    auto next = preferred_leader(state, live());
    if (!next) return error_code::preferred_leader_not_available;
    write(*t, partition, std::move(*next));
    return error_code::none;
}

}  // namespace sluice::replication

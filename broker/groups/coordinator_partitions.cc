// Which groups this coordinator serves: those of the `__consumer_offsets`
// partitions it leads. Creating that topic, loading a partition's groups
// when its leadership arrives and dropping them when it goes.
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "broker/broker.h"
#include "broker/groups/coordinator.h"
#include "broker/topics/topic_registry.h"
#include "log/partition_log.h"
#include "replication/metadata_store.h"

namespace sluice::broker::groups {

using protocol::error_code;

error_code coordinator::ensure_offsets_topic() {
    if (broker_.topics().find(offsets_topic_name) != nullptr) return error_code::none;
    topic_config configs{{"cleanup.policy", "compact"}, {"segment.bytes", "104857600"}};
    // As Kafka: offsets.topic.replication.factor, but no more than the
    // brokers alive when the topic is first made.
    const auto live = static_cast<int16_t>(std::max<size_t>(1, broker_.metadata().live_brokers().size()));
    const int16_t replication = std::min(settings_.offsets_replication_factor, live);
    // The local store creates it before create() returns; a store that must
    // ask etcd answers later, and until then the coordinator is not
    // available, which clients retry (as Kafka answers while it creates
    // the topic).
    broker_.topics().create(std::string(offsets_topic_name), settings_.offsets_partitions, replication, configs,
                            false, [](op_result result) {
                                if (!result.ok() && result.code != error_code::topic_already_exists) {
                                    spdlog::error("cannot create {}: {}", offsets_topic_name, result.message);
                                }
                            });
    return broker_.topics().find(offsets_topic_name) != nullptr ? error_code::none
                                                                : error_code::coordinator_not_available;
}

int32_t coordinator::offsets_partition_of(std::string_view group_id) const {
    const topic_state* topic = broker_.topics().find(offsets_topic_name);
    const auto partitions =
        topic != nullptr ? static_cast<int32_t>(topic->partitions.size()) : settings_.offsets_partitions;
    return partition_for_group(group_id, partitions);
}

error_code coordinator::serving(std::string_view group_id) {
    const topic_state* topic = broker_.topics().find(offsets_topic_name);
    // A single node serves every group; the topic is made by the first write.
    if (topic == nullptr) return settings_.cluster ? error_code::coordinator_not_available : error_code::none;
    const int32_t partition = offsets_partition_of(group_id);
    if (!topic->partitions[static_cast<size_t>(partition)]->replica.is_leader()) return error_code::not_coordinator;
    if (settings_.cluster && !loaded_.contains(partition)) return error_code::coordinator_load_in_progress;
    return error_code::none;
}

error_code coordinator::locate(std::string_view group_id, protocol::node_id& coordinator) {
    if (error_code e = ensure_offsets_topic(); e != error_code::none) return e;
    if (!settings_.cluster) {
        coordinator = protocol::node_id(broker_.config().node_id);
        return error_code::none;
    }
    auto reg = broker_.metadata().partition_state(offsets_topic_name, offsets_partition_of(group_id));
    if (!reg || reg->leader == replication::no_leader) return error_code::coordinator_not_available;
    coordinator = protocol::node_id(reg->leader);
    return error_code::none;
}

void coordinator::adopt(loaded_groups loaded, int64_t now) {
    for (auto& [id, lg] : loaded) {
        auto g = std::make_unique<group>(id);
        if (lg.consumer.group_epoch) {
            g->set_state(group_state::empty, now);
            restore_consumer_group(*g, std::move(lg.consumer), now);
        } else if (lg.metadata) {
            g->restore(*lg.metadata, now);
        } else {
            g->set_state(group_state::empty, now);
        }
        // Members loaded from the log get a full session to come back.
        for (auto& [mid, m] : g->members())
            m->heartbeat_deadline_ms = now + m->session_timeout_ms;
        g->offsets() = std::move(lg.offsets);
        groups_[id] = std::move(g);
    }
}

void coordinator::load() {
    topic_state* topic = broker_.topics().find(offsets_topic_name);
    if (topic == nullptr || settings_.cluster) return;
    loaded_groups loaded;
    pending_txn_records pending;
    size_t records = 0;
    for (const auto& p : topic->partitions)
        records += load_partition(*p->log, loaded, &pending);
    const size_t count = loaded.size();
    adopt(std::move(loaded), now_ms());
    adopt_pending(std::move(pending));
    spdlog::info("loaded {} group(s) from {} record(s) of {}", count, records, offsets_topic_name);
}

void coordinator::elected(int32_t partition) {
    if (!settings_.cluster || loaded_.contains(partition)) return;
    takeover_.elected(partition);
}

void coordinator::take_over(int32_t partition, const partition_state& p) {
    loaded_groups loaded;
    pending_txn_records pending;
    const size_t records = load_partition_to_end(*p.log, loaded, &pending);
    const size_t count = loaded.size();
    adopt(std::move(loaded), now_ms());
    adopt_pending(std::move(pending));
    loaded_.insert(partition);
    spdlog::info("coordinating {} group(s) of {}-{} ({} record(s) loaded)", count, offsets_topic_name, partition,
                 records);
}

void coordinator::resigned(int32_t partition) {
    if (!settings_.cluster) return;
    takeover_.resigned(partition);
    if (loaded_.erase(partition) == 0) return;
    drop_pending(partition);
    size_t dropped = 0;
    for (auto it = groups_.begin(); it != groups_.end();) {
        if (offsets_partition_of(it->first) != partition) {
            ++it;
            continue;
        }
        group& g = *it->second;
        for (auto& [id, m] : g.members()) {
            if (m->awaiting_join) {
                protocol::join_group_response r;
                r.error_code = protocol::to_wire(error_code::not_coordinator);
                r.member_id = id;
                std::exchange(m->awaiting_join, nullptr)(r);
            }
            if (m->awaiting_sync) {
                protocol::sync_group_response r;
                r.error_code = protocol::to_wire(error_code::not_coordinator);
                std::exchange(m->awaiting_sync, nullptr)(r);
            }
        }
        rebalances_.erase(it->first);
        for (auto d = pending_deadlines_.begin(); d != pending_deadlines_.end();) {
            d = d->first.first == it->first ? pending_deadlines_.erase(d) : std::next(d);
        }
        it = groups_.erase(it);
        ++dropped;
    }
    spdlog::info("no longer coordinating {}-{}: {} group(s) unloaded", offsets_topic_name, partition, dropped);
}

}  // namespace sluice::broker::groups

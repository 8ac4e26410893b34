// etcd_metadata_store's AlterPartitionReassignments: decided on the mirrored
// state and written with a compare of the partition key's revision, as
// ElectLeaders is, so whatever the controller wrote meanwhile wins and this
// write is refused. The controller completes the reassignment later
// (controller::reconcile), once the target is in sync.
#include <boost/asio/post.hpp>

#include "replication/etcd_metadata_store.h"
#include "replication/partition_reassignment.h"

namespace sluice::replication {

using protocol::error_code;

void etcd_metadata_store::alter_reassignment(std::string topic, int32_t partition,
                                             std::optional<std::vector<int32_t>> target, executor ex,
                                             done_fn done) {
    auto answer = [ex](done_fn done, op_result r) {
        boost::asio::post(ex, [done = std::move(done), r = std::move(r)] { done(r); });
    };
    const auto* entry = mirror_->find(topic);
    auto current = partition_state(topic, partition);
    if (entry == nullptr || !current) {
        return answer(std::move(done), {error_code::unknown_topic_or_partition,
                                        "Unknown partition " + topic + "-" + std::to_string(partition) + "."});
    }
    std::set<int32_t> live;
    for (const auto& [id, info] : membership_->live()) live.insert(id);
    auto decision = target ? start_reassignment(*current, *target, live) : cancel_reassignment(*current, live);
    if (!decision.error.ok()) return answer(std::move(done), std::move(decision.error));
    if (!decision.next) return answer(std::move(done), {});
    write_decided(entry->topic.topic_id, partition, std::move(*decision.next), std::move(ex), std::move(done));
}

}  // namespace sluice::replication

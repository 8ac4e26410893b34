// etcd_metadata_store's ElectLeaders: decided on the mirrored state, written
// with a compare of the partition key's revision (as AlterPartition is), so
// whatever the controller wrote meanwhile wins and this write is refused.
// Not fenced by the controller epoch: any broker may serve the request, as
// a Kafka broker forwards it; the revision compare is what keeps it safe.
#include <boost/asio/post.hpp>

#include "replication/etcd_metadata_store.h"

namespace sluice::replication {

using protocol::error_code;

void etcd_metadata_store::elect_leader(std::string topic, int32_t partition, election_type type, executor ex,
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
    std::set<int32_t> live = leader_candidates(membership_->live());
    auto decision = decide_election(*current, live, type);
    if (decision.code != error_code::none) return answer(std::move(done), {decision.code, decision.message});
    write_decided(entry->topic.topic_id, partition, std::move(*decision.next), std::move(ex), std::move(done));
}

void etcd_metadata_store::write_decided(const protocol::uuid& topic_id, int32_t partition, partition_registration next,
                                        executor ex, done_fn done) {
    std::weak_ptr<bool> alive = alive_;
    mirror_->update_partition(topic_id, partition, std::move(next), {},
                              [this, alive, ex, done = std::move(done)](write_result r) mutable {
                                  if (alive.expired()) return;
                                  if (r.conflict) {
                                      op_result refused{error_code::invalid_update_version,
                                                        "The partition changed meanwhile; try again."};
                                      return boost::asio::post(ex, [done = std::move(done), refused] { done(refused); });
                                  }
                                  finish(r, ex, std::move(done));
                              });
}

}  // namespace sluice::replication

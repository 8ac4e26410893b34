#pragma once
// Where the cluster keeps its state in etcd, under `metadata.etcd.prefix`
// (default /sluice), so two clusters can share one etcd:
//
//   <prefix>/brokers/<node.id>   broker_info JSON, under the broker's lease:
//                                present exactly while the broker is alive
//   <prefix>/controller          {"node_id": N}, under the controller's
//                                lease; its create revision is the
//                                controller epoch that fences its writes
//   <prefix>/cluster_id          the cluster id, written once
//   <prefix>/topics/<name>       topic_record JSON: id, partition count,
//                                replication factor, config overrides
//   <prefix>/partitions/<topic id>/<p>
//                                partition_registration JSON; keyed by the
//                                topic id so a topic re-created under the same
//                                name never sees the old one's partitions
//   <prefix>/records/<kind>/<key>
//                                metadata_store::records: security records
//                                (ACLs, SCRAM credentials, quotas), opaque text
//   <prefix>/producer_ids        {"next_producer_id": N}: where the next block
//                                of producer ids starts; only ever raised, by
//                                compare-and-swap on its mod revision (absent:
//                                none handed out yet)
#include <cstdint>
#include <string>

namespace sluice::replication {

class cluster_keys {
public:
    explicit cluster_keys(std::string prefix) : prefix_(trimmed(std::move(prefix))) {}

    std::string brokers() const { return prefix_ + "/brokers/"; }
    std::string broker(int32_t node_id) const { return brokers() + std::to_string(node_id); }
    std::string controller() const { return prefix_ + "/controller"; }
    std::string cluster_id() const { return prefix_ + "/cluster_id"; }
    std::string topics() const { return prefix_ + "/topics/"; }
    std::string topic(const std::string& name) const { return topics() + name; }
    std::string partitions() const { return prefix_ + "/partitions/"; }
    std::string partitions_of(const std::string& topic_id) const { return partitions() + topic_id + "/"; }
    std::string partition(const std::string& topic_id, int32_t p) const {
        return partitions_of(topic_id) + std::to_string(p);
    }
    std::string producer_ids() const { return prefix_ + "/producer_ids"; }
    std::string records() const { return prefix_ + "/records/"; }
    std::string record(const std::string& kind, const std::string& key) const { return records() + kind + "/" + key; }
    // Everything of this cluster, for one listing and one watch.
    std::string all() const { return prefix_ + "/"; }
    const std::string& prefix() const { return prefix_; }

private:
    static std::string trimmed(std::string p) {
        while (!p.empty() && p.back() == '/') p.pop_back();
        return p;
    }
    std::string prefix_;
};

}  // namespace sluice::replication

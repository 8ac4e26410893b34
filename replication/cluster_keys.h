#pragma once
// Where the cluster keeps its state in etcd, under `metadata.etcd.prefix`
// (default /sluice), so two clusters can share one etcd:
//
//   <prefix>/brokers/<node.id>   broker_info JSON, under the broker's lease:
//                                present exactly while the broker is alive
//   <prefix>/controller          {"node_id": N}, under the controller's
//                                lease; its create revision is the
//                                controller epoch that fences its writes
#include <cstdint>
#include <string>

namespace sluice::replication {

class cluster_keys {
public:
    explicit cluster_keys(std::string prefix) : prefix_(trimmed(std::move(prefix))) {}

    std::string brokers() const { return prefix_ + "/brokers/"; }
    std::string broker(int32_t node_id) const { return brokers() + std::to_string(node_id); }
    std::string controller() const { return prefix_ + "/controller"; }
    const std::string& prefix() const { return prefix_; }

private:
    static std::string trimmed(std::string p) {
        while (!p.empty() && p.back() == '/') p.pop_back();
        return p;
    }
    std::string prefix_;
};

}  // namespace sluice::replication

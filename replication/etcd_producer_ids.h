#pragma once
// Hands out blocks of producer ids from one counter in etcd,
// <prefix>/producer_ids (cluster_keys.h), shared by every broker.
//
// A block is taken by one transaction: if the key's mod revision is still
// the one last read (or the key is still absent), raise the counter by the
// block's size, else read the key back. A lost race costs one round trip: the
// answer carries the winner's value, and the next attempt compares that.
// Each loss means another caller won a block, so a caller retries up to
// max_attempts and then answers `conflict`.
//
// Crash story: the block is the caller's once etcd committed the raise. An
// answer lost on the way (a timeout) may leave a committed raise nobody
// uses: those ids are skipped, never handed out twice. An unreadable value
// is an error, never overwritten: guessing a counter could repeat ids.
//
// Threading: everything on the client's executor; callbacks run there.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "replication/cluster_keys.h"
#include "replication/cluster_metadata.h"
#include "replication/etcd/etcd_client.h"
#include "replication/producer_id_block.h"

namespace sluice::replication {

// The counter's value in etcd, and back (nullopt: unreadable).
std::string producer_ids_value(protocol::producer_id next);
std::optional<protocol::producer_id> producer_ids_from_value(const std::string& value);

class etcd_producer_ids {
public:
    static constexpr int max_attempts = 64;
    using block_fn = std::function<void(write_result, producer_id_block)>;

    etcd_producer_ids(etcd::client& client, cluster_keys keys) : client_(client), keys_(std::move(keys)) {}
    ~etcd_producer_ids() { *alive_ = false; }

    void allocate(block_fn done) { attempt(max_attempts, std::move(done)); }

private:
    // The counter as last read or written here; mod revision 0: absent.
    struct seen {
        int64_t mod_revision = 0;
        protocol::producer_id next{0};
    };

    void attempt(int attempts_left, block_fn done);

    etcd::client& client_;
    cluster_keys keys_;
    seen last_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sluice::replication

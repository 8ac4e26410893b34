#pragma once
// The cluster's metadata store: topics in etcd (cluster_metadata: one
// listing, one watch, compare-and-swap writes), the cluster id at
// <prefix>/cluster_id (the first broker writes it). Selected by
// `metadata.etcd.endpoints`; every broker of the cluster points at the same
// etcd and prefix.
//
// Reads answer from the mirror. A mutation checks what the mirror shows
// (name rules, collisions, counts), writes with a transaction comparing what
// it read, and answers once this broker's mirror has applied the write, so
// whoever gets `done` ok reads the change back at once. A write that lost a
// race is conflict_code (configs) or the error the new state calls for.
//
// The watch tells subscribers of every topic change the mirror applies: this
// broker's writes and everyone else's alike.
//
// Replicas: every partition is placed on this broker only (data replication
// is not here yet); the partition keys are written as the controller will
// read them.
//
// Threading: everything runs on the executor given to open() (the broker's
// I/O thread); reads must come from there too. `done` is posted to the
// executor each caller gives.
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "replication/cluster_metadata.h"
#include "replication/etcd/etcd_client.h"
#include "replication/metadata_store.h"
#include "replication/topic_watchers.h"

namespace sluice::replication {

class etcd_metadata_store final : public metadata_store {
public:
    struct options {
        std::string endpoints;  // "http://host:port[,...]"
        std::string prefix = "/sluice";
        std::chrono::milliseconds session_timeout{6000};
        int32_t node_id = 0;
        // How long open() waits for etcd before giving up.
        std::chrono::milliseconds startup_timeout{30000};
    };

    // Connects, agrees on the cluster id and loads the mirror, running `io`
    // (which must not be running yet) until done. Throws metadata_error.
    static std::unique_ptr<etcd_metadata_store> open(boost::asio::io_context& io, const options& opts,
                                                     const std::optional<std::string>& configured_cluster_id);
    ~etcd_metadata_store() override;

    std::string cluster_id() const override { return cluster_id_; }
    std::vector<topic_metadata> list_topics() const override;
    std::optional<topic_metadata> get_topic(std::string_view name) const override;
    std::optional<topic_metadata> get_topic_by_id(const protocol::uuid& id) const override;

    void create_topic(topic_metadata topic, executor ex, created_fn done) override;
    void delete_topic(std::string name, executor ex, done_fn done) override;
    void set_partition_count(std::string name, int32_t count, executor ex, done_fn done) override;
    void set_topic_configs(std::string name, topic_configs configs, std::optional<topic_configs> expected,
                           executor ex, done_fn done) override;
    subscription watch(executor ex, watch_fn on_change) override;

private:
    etcd_metadata_store(boost::asio::io_context& io, const options& opts);
    // Answers `done` on `ex` once the mirror shows the write (if it succeeded).
    void finish(const write_result& r, executor ex, done_fn done);
    std::map<int32_t, std::vector<int32_t>> placed_here(int32_t from, int32_t to) const;

    options options_;
    std::unique_ptr<etcd::client> client_;
    std::unique_ptr<cluster_metadata> mirror_;
    topic_watchers watchers_;
    std::string cluster_id_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sluice::replication

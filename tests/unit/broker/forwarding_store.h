#pragma once
// A metadata store that hands every call to another one: tests derive from
// it and override only what they change (answers held back, no controller).
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "replication/metadata_store.h"

namespace sluice::broker::testing {

class forwarding_store : public replication::metadata_store {
public:
    explicit forwarding_store(replication::metadata_store& inner) : inner_(inner) {}

    std::string cluster_id() const override { return inner_.cluster_id(); }
    std::vector<replication::topic_metadata> list_topics() const override { return inner_.list_topics(); }
    std::optional<replication::topic_metadata> get_topic(std::string_view n) const override { return inner_.get_topic(n); }
    std::optional<replication::topic_metadata> get_topic_by_id(const protocol::uuid& id) const override {
        return inner_.get_topic_by_id(id);
    }
    std::vector<replication::broker_node> live_brokers() const override { return inner_.live_brokers(); }
    std::optional<protocol::node_id> controller_id() const override { return inner_.controller_id(); }
    std::vector<replication::partition_registration> partition_states(std::string_view n) const override {
        return inner_.partition_states(n);
    }
    std::optional<replication::partition_registration> partition_state(std::string_view n, int32_t p) const override {
        return inner_.partition_state(n, p);
    }
    using metadata_store::create_topic;
    void create_topic(replication::topic_metadata t, replication::replica_assignments a, executor ex, created_fn done) override {
        inner_.create_topic(std::move(t), std::move(a), std::move(ex), std::move(done));
    }
    void delete_topic(std::string n, executor ex, done_fn done) override {
        inner_.delete_topic(std::move(n), std::move(ex), std::move(done));
    }
    using metadata_store::set_partition_count;
    void set_partition_count(std::string n, int32_t c, replication::replica_assignments a, executor ex,
                             done_fn done) override {
        inner_.set_partition_count(std::move(n), c, std::move(a), std::move(ex), std::move(done));
    }
    void elect_leader(std::string n, int32_t p, replication::election_type t, executor ex, done_fn done) override {
        inner_.elect_leader(std::move(n), p, t, std::move(ex), std::move(done));
    }
    void alter_reassignment(std::string n, int32_t p, std::optional<std::vector<int32_t>> target, executor ex,
                            done_fn done) override {
        inner_.alter_reassignment(std::move(n), p, std::move(target), std::move(ex), std::move(done));
    }
    void set_topic_configs(std::string n, replication::topic_configs c, std::optional<replication::topic_configs> e,
                           executor ex, done_fn done) override {
        inner_.set_topic_configs(std::move(n), std::move(c), std::move(e), std::move(ex), std::move(done));
    }
    void alter_isr(std::string n, int32_t p, protocol::node_id l, protocol::leader_epoch le, int32_t pe,
                   std::vector<int32_t> isr, executor ex, partition_fn done) override {
        inner_.alter_isr(std::move(n), p, l, le, pe, std::move(isr), std::move(ex), std::move(done));
    }
    void allocate_producer_ids(executor ex, producer_ids_fn done) override {
        inner_.allocate_producer_ids(std::move(ex), std::move(done));
    }
    replication::record_map records(std::string_view kind) const override { return inner_.records(kind); }
    void update_records(std::string kind, replication::record_changes changes, executor ex, done_fn done) override {
        inner_.update_records(std::move(kind), std::move(changes), std::move(ex), std::move(done));
    }
    subscription watch_records(executor ex, std::function<void(const std::string&)> f) override {
        return inner_.watch_records(std::move(ex), std::move(f));
    }
    subscription watch(executor ex, watch_fn f) override { return inner_.watch(std::move(ex), std::move(f)); }
    subscription watch_cluster(executor ex, std::function<void()> f) override {
        return inner_.watch_cluster(std::move(ex), std::move(f));
    }
    void stop(std::function<void()> done) override { inner_.stop(std::move(done)); }

protected:
    replication::metadata_store& inner_;
};

}  // namespace sluice::broker::testing

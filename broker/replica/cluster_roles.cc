#include "broker/replica/cluster_roles.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "broker/broker.h"
#include "broker/groups/coordinator.h"
#include "broker/groups/offsets_topic.h"
#include "broker/metrics/record.h"
#include "broker/net/tls_context.h"
#include "broker/replica/fetcher_options.h"
#include "broker/replica/partition_follower_log.h"
#include "broker/replica/replication_throttle.h"
#include "broker/topics/partition_leader.h"
#include "broker/topics/topic_registry.h"
#include "broker/txn/coordinator.h"
#include "log/partition_log.h"
#include "replication/metadata_store.h"

namespace sluice::broker::replica {

using protocol::error_code;
using protocol::leader_epoch;
using protocol::node_id;

namespace {

std::vector<node_id> ids(const std::vector<int32_t>& v) {
    std::vector<node_id> out;
    out.reserve(v.size());
    for (int32_t id : v) out.emplace_back(id);
    return out;
}

bool same(const std::vector<node_id>& a, const std::vector<int32_t>& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](node_id x, int32_t y) {
               return x.value() == y;
           });
}

}  // namespace

cluster_roles::cluster_roles(broker& b) : broker_(b) {
    auto executor = b.io().get_executor();
    // Leaders are reached on inter.broker.listener.name, over TLS when it is
    // an SSL or SASL_SSL listener (read here, at startup: a bad setting
    // stops the broker).
    inter_broker_client inter = inter_broker_settings(b.config());
    auto endpoint_of = [this, listener = inter.listener](node_id id) -> std::optional<endpoint> {
        for (const auto& n : broker_.metadata().live_brokers()) {
            if (n.id != id) continue;
            for (const auto& e : n.endpoints) {
                if (e.listener == listener) return endpoint{e.host, std::to_string(e.port)};
            }
            return endpoint{n.host, std::to_string(n.port)};
        }
        return std::nullopt;
    };
    // A fetcher paused a partition (fenced, or its leader says it no longer
    // leads): the metadata that explains it may not be here yet.
    auto on_problem = [this, alive = std::weak_ptr<bool>(alive_)](const replication::topic_partition& tp,
                                                                   error_code e) {
        if (alive.expired()) return;
        spdlog::info("replica fetcher paused {}-{}: {}; re-reading its metadata", tp.topic, tp.partition,
                     protocol::error_name(e));
        retry_later(tp.topic);
    };
    auto options = fetcher_options(b.config());
    options.tls = inter.tls;
    options.tls_verify_host = inter.verify_host;
    // The follower side of the replication throttle (replication_throttle.h).
    options.throttle_hold = [this, alive = std::weak_ptr<bool>(alive_)](const replication::topic_partition& tp) {
        if (alive.expired() || broker_.config().follower_replication_throttled_rate == INT64_MAX) {
            return std::chrono::milliseconds(0);
        }
        const topic_state* t = broker_.topics().find(tp.topic);
        const partition_state* p = broker_.topics().find(tp.topic, tp.partition);
        if (t == nullptr || p == nullptr) return std::chrono::milliseconds(0);
        return broker_.replication_throttle().follower_hold(t->settings, tp.partition, p->replica.isr(), now_ms());
    };
    options.fetched = [this, alive = std::weak_ptr<bool>(alive_)](const replication::topic_partition& tp,
                                                                  size_t bytes) {
        if (alive.expired()) return;
        metrics::record_replication_in(broker_, bytes);
        if (broker_.config().follower_replication_throttled_rate == INT64_MAX) return;
        const topic_state* t = broker_.topics().find(tp.topic);
        if (t == nullptr || !broker_.replication_throttle().follower_throttles(t->settings, tp.partition)) return;
        broker_.replication_throttle().follower_fetched(bytes, now_ms());
    };
    fetchers_ = std::make_unique<follower_fetchers>(executor, std::move(options), endpoint_of, on_problem,
                                                    b.config().num_replica_fetchers);
}

cluster_roles::~cluster_roles() { stop(); }

void cluster_roles::start() {
    auto executor = broker_.io().get_executor();
    broker_.topics().on_isr_proposal(
        [this](const std::string& topic, const partition_state& p, const std::vector<node_id>& isr) {
            propose_isr(topic, p, isr);
        });
    topic_watch_ = broker_.metadata().watch(executor, [this](const std::vector<std::string>& topics) {
        for (const auto& t : topics) apply(t);
    });
    cluster_watch_ = broker_.metadata().watch_cluster(executor, [this] { apply_all(); });
    apply_all();
}

void cluster_roles::stop() {
    *alive_ = false;
    topic_watch_.reset();
    cluster_watch_.reset();
    if (fetchers_) fetchers_->stop();
}

void cluster_roles::begin_controlled_shutdown() {
    leaving_ = true;
    apply_all();
}

void cluster_roles::forget(const topic_state& topic) {
    for (const auto& p : topic.partitions) {
        if (topic.meta.name == groups::offsets_topic_name) broker_.groups().resigned(p->index);
        if (topic.meta.name == txn::txn_topic_name) broker_.transactions().resigned(p->index);
        replication::topic_partition tp{topic.meta.name, p->index};
        fetchers_->unfollow(tp);
        logs_.erase({topic.meta.name, p->index});
    }
}

void cluster_roles::apply_all() {
    if (!*alive_) return;
    std::vector<std::string> names;
    for (const auto& [name, t] : broker_.topics().all()) names.push_back(name);
    for (const auto& name : names) apply(name);
}

void cluster_roles::apply(const std::string& name) {
    if (!*alive_) return;
    topic_state* topic = broker_.topics().find(name);
    if (topic == nullptr) return;
    for (auto& p : topic->partitions) apply_partition(*topic, *p);
}

void cluster_roles::apply_partition(topic_state& topic, partition_state& p) {
    auto reg = broker_.metadata().partition_state(topic.meta.name, p.index);
    if (!reg) return;
    const node_id self(broker_.config().node_id);
    replication::topic_partition tp{topic.meta.name, p.index};
    auto& role = p.replica;
    const leader_epoch epoch(reg->leader_epoch);

    if (reg->leader == self.value()) {
        if (role.is_leader() && role.epoch() == epoch) {
            // Same leadership; the controller may have changed the ISR.
            if (role.partition_epoch() != reg->partition_epoch) {
                role.set_partition_epoch(reg->partition_epoch);
                if (!same(role.isr(), reg->isr)) {
                    metrics::record_isr_change(broker_, role.isr().size(), reg->isr.size());
                    set_isr(p, ids(reg->isr));
                }
            }
            return;
        }
        fetchers_->unfollow(tp);
        become_leader(p, epoch, reg->partition_epoch, ids(reg->replicas), ids(reg->isr), now_ms());
        spdlog::info("leading {}-{} at epoch {}", tp.topic, tp.partition, reg->leader_epoch);
        if (topic.meta.name == groups::offsets_topic_name) broker_.groups().elected(p.index);
        if (topic.meta.name == txn::txn_topic_name) broker_.transactions().elected(p.index);
        return;
    }

    const bool replica = std::find(reg->replicas.begin(), reg->replicas.end(), self.value()) != reg->replicas.end();
    const node_id leader(reg->leader);
    const bool unchanged = !role.is_leader() && role.leader_id() == leader && role.epoch() == epoch;
    if (!unchanged) {
        become_follower(p, leader, epoch, reg->partition_epoch, ids(reg->replicas), ids(reg->isr));
        if (topic.meta.name == groups::offsets_topic_name) broker_.groups().resigned(p.index);
        if (topic.meta.name == txn::txn_topic_name) broker_.transactions().resigned(p.index);
    }
    if (!replica) {
        fetchers_->unfollow(tp);
        logs_.erase(std::make_pair(tp.topic, tp.partition));
        drop_data(p, tp);
        return;
    }
    if (reg->leader == replication::no_leader || (leaving_ && !reg->in_isr(self.value()))) {
        fetchers_->unfollow(tp);
        return;
    }
    // The same adapter while the log is the same: follow() then resumes the
    // partition instead of restarting it.
    auto key = std::make_pair(tp.topic, tp.partition);
    auto& adapter = logs_[key];
    if (!adapter || !adapter->alive() || adapter->incarnation() != p.log->incarnation()) {
        partition_follower_log::hooks hooks;
        hooks.appended = [this, name = tp.topic, index = tp.partition](log::partition_log&) {
            broker_.flush_if_due(name, index);
            if (auto* q = broker_.topics().find(name, index)) q->notify();
        };
        hooks.offsets_moved = [this, name = tp.topic, index = tp.partition](log::partition_log&) {
            if (auto* q = broker_.topics().find(name, index)) q->notify();
        };
        hooks.truncated = [this](log::partition_log&, std::vector<std::filesystem::path> files) {
            broker_.post_background([files = std::move(files)] {
                std::error_code ec;
                for (const auto& f : files) std::filesystem::remove(f, ec);
            });
        };
        auto lookup = [this](const std::string& t, int32_t i) -> log::partition_log* {
            auto* q = broker_.topics().find(t, i);
            return q == nullptr ? nullptr : q->log;
        };
        adapter = std::make_shared<partition_follower_log>(*p.log, lookup, std::move(hooks));
    } else if (unchanged && fetchers_->leader_of(tp) == leader) {
        return;  // already fetching from this leader at this epoch
    }
    error_code e = fetchers_->follow(tp, topic.meta.topic_id, leader, epoch, adapter);
    if (e != error_code::none) {
        spdlog::info("cannot follow {}-{} from broker {} yet: {}", tp.topic, tp.partition, reg->leader,
                     protocol::error_name(e));
        retry_later(tp.topic);
        return;
    }
    if (!unchanged) spdlog::info("following {}-{} from broker {} at epoch {}", tp.topic, tp.partition, reg->leader,
                                 reg->leader_epoch);
}

// As Kafka's StopReplica with delete: a broker the partition moved away from
// (or that was never among its replicas) keeps no records of it. Should it
// become a replica again, it fetches everything from the leader.
void cluster_roles::drop_data(partition_state& p, const replication::topic_partition& tp) {
    log::partition_log& lg = *p.log;
    if (lg.log_end_offset() == 0 && lg.log_start_offset() == 0) return;
    auto dropped = lg.truncate_fully_and_start_at(protocol::offset(0));
    if (!dropped.done) {  // a cleaner swap in flight: after it
        retry_later(tp.topic);
        return;
    }
    p.notify();
    spdlog::info("deleted the records of {}-{}: this broker is not one of its replicas", tp.topic, tp.partition);
    broker_.post_background([files = std::move(dropped.deleted_files)] {
        std::error_code ec;
        for (const auto& f : files) std::filesystem::remove(f, ec);
    });
}

void cluster_roles::propose_isr(const std::string& topic, const partition_state& p,
                                const std::vector<node_id>& isr) {
    std::vector<int32_t> wanted;
    for (node_id id : isr) wanted.push_back(id.value());
    spdlog::debug("proposing ISR of {}-{}: {} members", topic, p.index, wanted.size());
    broker_.metadata().alter_isr(
        topic, p.index, node_id(broker_.config().node_id), p.replica.epoch(), p.replica.partition_epoch(), wanted,
        broker_.io().get_executor(),
        [this, alive = std::weak_ptr<bool>(alive_), topic, index = p.index](
            replication::op_result r, replication::partition_registration reg) {
            if (alive.expired()) return;
            partition_state* q = broker_.topics().find(topic, index);
            if (q == nullptr) return;
            if (r.ok() && q->replica.is_leader() && q->replica.epoch().value() == reg.leader_epoch) {
                spdlog::info("ISR of {}-{} is now {} replica(s) (partition epoch {})", topic, index, reg.isr.size(),
                             reg.partition_epoch);
                q->replica.set_partition_epoch(reg.partition_epoch);
                metrics::record_isr_change(broker_, q->replica.isr().size(), reg.isr.size());
                set_isr(*q, ids(reg.isr));
                return;
            }
            spdlog::info("ISR change of {}-{} refused: {}", topic, index, protocol::error_name(r.code));
            // Refused (a newer state exists): its watch notification re-applies
            // the partition; the pending proposal is cleared so the leader may
            // propose again from there.
            if (q->replica.is_leader()) set_isr(*q, std::vector<node_id>(q->replica.isr()));
            apply(topic);
        });
}

void cluster_roles::retry_later(const std::string& topic) {
    // One retry per topic however many of its partitions paused.
    if (!retrying_.insert(topic).second) return;
    auto timer = std::make_shared<boost::asio::steady_timer>(broker_.io(), std::chrono::milliseconds(500));
    timer->async_wait([this, timer, topic, alive = std::weak_ptr<bool>(alive_)](boost::system::error_code ec) {
        if (ec || alive.expired() || !*alive.lock()) return;
        retrying_.erase(topic);
        // Forced: a paused partition resumes only through follow().
        if (topic_state* t = broker_.topics().find(topic)) {
            for (auto& p : t->partitions) {
                replication::topic_partition tp{topic, p->index};
                fetchers_->unfollow(tp);
            }
        }
        apply(topic);
    });
}

}  // namespace sluice::broker::replica

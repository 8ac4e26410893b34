#include "replication/etcd_metadata_store.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <random>
#include <stdexcept>
#include <thread>

#include "protocol/uuid_text.h"
#include "replication/partition_checks.h"
#include "replication/topic_name.h"

namespace sluice::replication {

using protocol::error_code;

namespace {

topic_metadata to_metadata(const topic_record& r) {
    return topic_metadata{r.name, r.topic_id, r.partition_count, r.replication_factor, r.configs};
}

// Between two attempts to reach etcd at startup.
constexpr std::chrono::milliseconds retry_pause(500);

op_result unknown_topic(const std::string& name) {
    return {error_code::unknown_topic_or_partition, "Topic '" + name + "' does not exist."};
}

}  // namespace

etcd_metadata_store::etcd_metadata_store(boost::asio::io_context& io, const options& opts)
    : options_(opts), executor_(io.get_executor()) {
    std::vector<etcd::endpoint> endpoints;
    try {
        endpoints = etcd::parse_endpoints(opts.endpoints);
    } catch (const std::invalid_argument& e) {
        throw metadata_error(std::string("metadata.etcd.endpoints: ") + e.what());
    }
    // A call slower than a whole session is as good as lost.
    client_ = std::make_unique<etcd::client>(io.get_executor(),
                                             etcd::client::options{std::move(endpoints), opts.session_timeout});
    std::weak_ptr<bool> alive = alive_;
    mirror_ = std::make_unique<cluster_metadata>(io.get_executor(), *client_, cluster_keys(opts.prefix),
                                                 [this, alive](const std::set<std::string>& names) {
                                                     if (alive.expired()) return;
                                                     if (membership_) membership_->topics_changed(names);
                                                     watchers_.notify({names.begin(), names.end()});
                                                 });
    mirror_->on_records_change([this, alive](const std::set<std::string>& kinds) {
        if (!alive.expired()) record_watchers_.notify({kinds.begin(), kinds.end()});
    });
    producer_ids_ = std::make_unique<etcd_producer_ids>(*client_, cluster_keys(opts.prefix));
    cluster_membership::settings s;
    s.registration.keys = cluster_keys(opts.prefix);
    s.registration.self = broker_info{opts.node_id, opts.rack, opts.listeners, random_incarnation()};
    s.registration.session_timeout = opts.session_timeout;
    s.leadership.unclean_leader_election = opts.unclean_leader_election;
    s.leadership.auto_leader_rebalance = opts.auto_leader_rebalance;
    s.leadership.imbalance_check_interval = opts.imbalance_check_interval;
    s.leadership.imbalance_percentage = opts.imbalance_percentage;
    membership_ = std::make_unique<cluster_membership>(io.get_executor(), *client_, *mirror_, std::move(s),
                                                       [this, alive] {
                                                           if (!alive.expired()) cluster_watchers_.notify({""});
                                                       });
}

etcd_metadata_store::~etcd_metadata_store() {
    *alive_ = false;
    alive_.reset();
    if (mirror_) mirror_->stop();
}

std::unique_ptr<etcd_metadata_store> etcd_metadata_store::open(boost::asio::io_context& io, const options& opts,
                                                               const std::optional<std::string>& configured) {
    std::unique_ptr<etcd_metadata_store> store(new etcd_metadata_store(io, opts));
    auto deadline = std::chrono::steady_clock::now() + opts.startup_timeout;
    auto run_until = [&](const std::function<bool()>& cond) {
        io.restart();
        while (!cond() && std::chrono::steady_clock::now() < deadline) io.run_one_for(std::chrono::milliseconds(50));
        return cond();
    };
    // The cluster id first: a wrong prefix or cluster.id stops here. Retried
    // while etcd is out of reach (brokers may start before it).
    std::optional<etcd::result<std::string>> id;
    while (true) {
        id.reset();
        store->mirror_->ensure_cluster_id(configured, [&](etcd::result<std::string> r) { id.emplace(std::move(r)); });
        if (!run_until([&] { return id.has_value(); })) {
            throw metadata_error("etcd at " + opts.endpoints + " did not answer within the startup timeout");
        }
        if (*id) break;
        if (id->err().what == etcd::error::kind::server && id->err().grpc_code == 0) {
            throw metadata_error(id->err().message);  // the cluster id does not match
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            throw metadata_error("cannot read the cluster id from etcd at " + opts.endpoints + ": " +
                                 id->err().message);
        }
        spdlog::warn("etcd at {} not ready ({}); retrying", opts.endpoints, id->err().message);
        // Nothing else is pending here, so the io_context would return at
        // once: pause the thread itself, or a refused connection turns this
        // into a busy loop.
        std::this_thread::sleep_for(
            std::min<std::chrono::steady_clock::duration>(retry_pause, deadline - std::chrono::steady_clock::now()));
    }
    store->cluster_id_ = id->value();
    bool started = false;
    store->mirror_->start([&] { started = true; });
    if (!run_until([&] { return started; })) {
        throw metadata_error("cannot list the cluster metadata in etcd at " + opts.endpoints);
    }
    std::optional<std::optional<std::string>> joined;
    store->membership_->start([&](std::optional<std::string> refusal) { joined.emplace(std::move(refusal)); });
    if (!run_until([&] { return joined.has_value(); })) {
        throw metadata_error("cannot register node " + std::to_string(opts.node_id) + " in etcd at " +
                             opts.endpoints + " within the startup timeout");
    }
    if (*joined) throw metadata_error(**joined);
    io.restart();
    spdlog::info("cluster metadata in etcd at {} under {}: cluster id {}, {} topics", opts.endpoints, opts.prefix,
                 store->cluster_id_, store->mirror_->topics().size());
    return store;
}

std::vector<topic_metadata> etcd_metadata_store::list_topics() const {
    std::vector<topic_metadata> out;
    for (const auto& [name, entry] : mirror_->topics()) out.push_back(to_metadata(entry.topic));
    return out;
}

std::optional<topic_metadata> etcd_metadata_store::get_topic(std::string_view name) const {
    const auto* entry = mirror_->find(std::string(name));
    if (entry == nullptr) return std::nullopt;
    return to_metadata(entry->topic);
}

std::optional<topic_metadata> etcd_metadata_store::get_topic_by_id(const protocol::uuid& id) const {
    const auto* entry = mirror_->find(id);
    if (entry == nullptr) return std::nullopt;
    return to_metadata(entry->topic);
}

std::vector<broker_node> etcd_metadata_store::live_brokers() const {
    std::vector<broker_node> out;
    for (const auto& [id, info] : membership_->live()) {
        broker_node b{protocol::node_id(id), "", 0, info.rack};
        if (!info.endpoints.empty()) {
            b.host = info.endpoints.front().host;
            b.port = info.endpoints.front().port;
        }
        b.endpoints = info.endpoints;
        out.push_back(std::move(b));
    }
    return out;
}

std::optional<protocol::node_id> etcd_metadata_store::controller_id() const {
    auto id = membership_->controller_id();
    if (!id) return std::nullopt;
    return protocol::node_id(*id);
}

std::vector<partition_registration> etcd_metadata_store::partition_states(std::string_view topic) const {
    const auto* entry = mirror_->find(std::string(topic));
    if (entry == nullptr) return {};
    std::vector<partition_registration> out(static_cast<size_t>(entry->topic.partition_count));
    // A partition not (yet) mirrored stays default: no replicas, no leader.
    for (const auto& [p, state] : mirror_->partitions_of(entry->topic.topic_id)) {
        if (p < entry->topic.partition_count) out[static_cast<size_t>(p)] = state.state;
    }
    return out;
}

std::optional<partition_registration> etcd_metadata_store::partition_state(std::string_view topic,
                                                                           int32_t partition) const {
    const auto* entry = mirror_->find(std::string(topic));
    if (entry == nullptr || partition < 0 || partition >= entry->topic.partition_count) return std::nullopt;
    const auto& parts = mirror_->partitions_of(entry->topic.topic_id);
    auto it = parts.find(partition);
    if (it == parts.end()) return std::nullopt;
    return it->second.state;
}

assignment_result etcd_metadata_store::place(int32_t first, int32_t count, int16_t replication_factor,
                                             const replica_assignments& explicit_) const {
    assignment_result out;
    if (!explicit_.empty()) {
        std::set<int32_t> live;
        for (const auto& [id, info] : membership_->live()) live.insert(id);
        auto r = check_assignments(explicit_, first, count, replication_factor, live);
        out.error = r.code;
        out.message = r.message;
        if (r.ok()) out.replicas = explicit_;
        return out;
    }
    std::map<int32_t, std::optional<std::string>> brokers;
    for (const auto& [id, info] : membership_->live()) brokers.emplace(id, info.rack);
    // Kafka starts the walk at random so that leaders spread across topics.
    static thread_local std::minstd_rand random{std::random_device{}()};
    assignment_request request;
    request.partitions = count;
    request.replication_factor = replication_factor;
    request.first_partition = first;
    int32_t n = std::max<int32_t>(1, static_cast<int32_t>(brokers.size()));
    request.start_index = static_cast<int32_t>(random() % static_cast<uint32_t>(n));
    request.replica_shift = static_cast<int32_t>(random() % static_cast<uint32_t>(n));
    return assign_replicas(brokers, request);
}

void etcd_metadata_store::finish(const write_result& r, executor ex, done_fn done) {
    auto answer = [ex, done = std::move(done)](op_result result) mutable {
        boost::asio::post(ex, [done = std::move(done), result = std::move(result)]() mutable { done(std::move(result)); });
    };
    if (r.conflict) {
        return answer({conflict_code, r.message.empty() ? "The topic changed meanwhile; try again." : r.message});
    }
    if (r.code != error_code::none) return answer({r.code, r.message});
    // Read-your-writes: the caller's next read of this store sees the change.
    mirror_->after(r.revision, [answer = std::move(answer)]() mutable { answer({}); });
}

void etcd_metadata_store::create_topic(topic_metadata topic, replica_assignments assignments, executor ex,
                                       created_fn done) {
    auto refuse = [&](op_result r) {
        boost::asio::post(ex, [done = std::move(done), r = std::move(r), topic]() mutable { done(std::move(r), topic); });
    };
    if (auto r = validate_topic_name(topic.name); !r.ok()) return refuse(r);
    if (topic.partition_count < 1) return refuse({error_code::invalid_partitions, "Number of partitions must be larger than 0."});
    if (topic.replication_factor < 1) {
        return refuse({error_code::invalid_replication_factor, "Replication factor must be larger than 0."});
    }
    for (const auto& [name, entry] : mirror_->topics()) {
        if (name == topic.name) return refuse({error_code::topic_already_exists, "Topic '" + name + "' already exists."});
        if (topic_names_collide(name, topic.name)) {
            return refuse({error_code::invalid_topic_exception,
                           "Topic '" + topic.name + "' collides with existing topic: " + name});
        }
    }
    auto placed = place(0, topic.partition_count, topic.replication_factor, assignments);
    if (placed.error != error_code::none) return refuse({placed.error, placed.message});
    if (topic.topic_id.is_zero()) topic.topic_id = protocol::random_uuid();
    topic_record record{topic.name, topic.topic_id, topic.partition_count, topic.replication_factor, topic.configs};
    std::weak_ptr<bool> alive = alive_;
    mirror_->create_topic(record, std::move(placed.replicas),
                          [this, alive, ex, topic, done = std::move(done)](write_result r) mutable {
                              if (alive.expired()) return;
                              finish(r, ex, [topic, done = std::move(done)](op_result result) mutable {
                                  done(std::move(result), std::move(topic));
                              });
                          });
}

void etcd_metadata_store::delete_topic(std::string name, executor ex, done_fn done) {
    if (mirror_->find(name) == nullptr) {
        return boost::asio::post(ex, [done = std::move(done), r = unknown_topic(name)] { done(r); });
    }
    std::weak_ptr<bool> alive = alive_;
    mirror_->delete_topic(name, [this, alive, ex, done = std::move(done)](write_result r) mutable {
        if (!alive.expired()) finish(r, ex, std::move(done));
    });
}

void etcd_metadata_store::set_partition_count(std::string name, int32_t count, replica_assignments assignments,
                                              executor ex, done_fn done) {
    auto refuse = [&](op_result r) { boost::asio::post(ex, [done = std::move(done), r = std::move(r)] { done(r); }); };
    const auto* entry = mirror_->find(name);
    if (entry == nullptr) return refuse(unknown_topic(name));
    int32_t current = entry->topic.partition_count;
    if (count <= current) {
        return refuse({error_code::invalid_partitions, "Topic currently has " + std::to_string(current) +
                                                           " partitions, which is higher than the requested " +
                                                           std::to_string(count) + "."});
    }
    auto placed = place(current, count - current, entry->topic.replication_factor, assignments);
    if (placed.error != error_code::none) return refuse({placed.error, placed.message});
    std::weak_ptr<bool> alive = alive_;
    mirror_->add_partitions(name, std::move(placed.replicas),
                            [this, alive, ex, done = std::move(done)](write_result r) mutable {
                                if (!alive.expired()) finish(r, ex, std::move(done));
                            });
}

void etcd_metadata_store::set_topic_configs(std::string name, topic_configs configs,
                                            std::optional<topic_configs> expected, executor ex, done_fn done) {
    auto refuse = [&](op_result r) { boost::asio::post(ex, [done = std::move(done), r = std::move(r)] { done(r); }); };
    const auto* entry = mirror_->find(name);
    if (entry == nullptr) return refuse(unknown_topic(name));
    // The mirror is what the caller read; etcd's transaction then compares
    // the mirrored revision, so a change the mirror has not seen loses too.
    if (expected && entry->topic.configs != *expected) {
        return refuse({conflict_code, "The configs of topic '" + name + "' changed meanwhile."});
    }
    std::weak_ptr<bool> alive = alive_;
    mirror_->set_configs(name, std::move(configs), [this, alive, ex, done = std::move(done)](write_result r) mutable {
        if (!alive.expired()) finish(r, ex, std::move(done));
    });
}

void etcd_metadata_store::allocate_producer_ids(executor ex, producer_ids_fn done) {
    std::weak_ptr<bool> alive = alive_;
    producer_ids_->allocate([alive, ex, done = std::move(done)](write_result r, producer_id_block block) mutable {
        if (alive.expired()) return;
        op_result result;
        if (r.conflict) {
            result = {conflict_code, r.message};
        } else if (r.code != error_code::none) {
            result = {r.code, r.message};
        }
        boost::asio::post(ex, [done = std::move(done), result = std::move(result), block]() mutable {
            done(std::move(result), block);
        });
    });
}

void etcd_metadata_store::alter_isr(std::string topic, int32_t partition, protocol::node_id from_leader,
                                    protocol::leader_epoch leader_epoch, int32_t partition_epoch,
                                    std::vector<int32_t> new_isr, executor ex, partition_fn done) {
    auto answer = [ex](partition_fn done, op_result r, partition_registration state) {
        boost::asio::post(ex, [done = std::move(done), r = std::move(r), state = std::move(state)]() mutable {
            done(std::move(r), std::move(state));
        });
    };
    const auto* entry = mirror_->find(topic);
    auto current = partition_state(topic, partition);
    if (entry == nullptr || !current) {
        return answer(std::move(done),
                      {error_code::unknown_topic_or_partition, "Unknown partition " + topic + "-" + std::to_string(partition)},
                      {});
    }
    auto check = check_alter_isr(*current, from_leader.value(), leader_epoch.value(), partition_epoch, new_isr);
    if (!check.ok()) return answer(std::move(done), std::move(check), *current);
    // A broker in controlled shutdown is on its way out of every ISR; adding
    // it back would undo the controller (KIP-841's INELIGIBLE_REPLICA).
    for (int32_t id : new_isr) {
        auto b = membership_->live().find(id);
        if (!current->in_isr(id) && b != membership_->live().end() && b->second.controlled_shutdown) {
            return answer(std::move(done),
                          {error_code::ineligible_replica,
                           "Broker " + std::to_string(id) + " is in controlled shutdown and cannot join the ISR."},
                          *current);
        }
    }
    auto next = with_isr(*current, from_leader.value(), leader_epoch.value(), partition_epoch, std::move(new_isr));
    // The write compares the partition key's revision the mirror read, so a
    // controller's change that landed meanwhile wins and this one is refused.
    std::weak_ptr<bool> alive = alive_;
    mirror_->update_partition(
        entry->topic.topic_id, partition, *next, {},
        [this, alive, answer, next = *next, current = *current, done = std::move(done)](write_result r) mutable {
            if (alive.expired()) return;
            if (r.conflict) {
                return answer(std::move(done),
                              {error_code::invalid_update_version, "The partition changed meanwhile; re-read it."},
                              current);
            }
            if (r.code != error_code::none) return answer(std::move(done), {r.code, r.message}, current);
            mirror_->after(r.revision, [answer, next, done = std::move(done)]() mutable {
                answer(std::move(done), {}, next);
            });
        });
}

record_map etcd_metadata_store::records(std::string_view kind) const {
    auto it = mirror_->records().find(std::string(kind));
    return it == mirror_->records().end() ? record_map{} : it->second;
}

void etcd_metadata_store::update_records(std::string kind, record_changes changes, executor ex, done_fn done) {
    if (auto r = check_record_changes(kind, changes); !r.ok()) {
        return boost::asio::post(ex, [done = std::move(done), r = std::move(r)] { done(r); });
    }
    std::weak_ptr<bool> alive = alive_;
    mirror_->update_records(kind, changes, [this, alive, ex, done = std::move(done)](write_result r) mutable {
        if (!alive.expired()) finish(r, ex, std::move(done));
    });
}

metadata_store::subscription etcd_metadata_store::watch_records(executor ex,
                                                                std::function<void(const std::string&)> on_change) {
    return record_watchers_.add(std::move(ex), [on_change = std::move(on_change)](const std::vector<std::string>& kinds) {
        for (const auto& kind : kinds) on_change(kind);
    });
}

metadata_store::subscription etcd_metadata_store::watch(executor ex, watch_fn on_change) {
    return watchers_.add(std::move(ex), std::move(on_change));
}

metadata_store::subscription etcd_metadata_store::watch_cluster(executor ex, std::function<void()> on_change) {
    return cluster_watchers_.add(std::move(ex),
                                 [on_change = std::move(on_change)](const std::vector<std::string>&) { on_change(); });
}

void etcd_metadata_store::stop(std::function<void()> done) {
    std::weak_ptr<bool> alive = alive_;
    membership_->stop([this, alive, done = std::move(done)] {
        if (!alive.expired()) mirror_->stop();
        done();
    });
}

}  // namespace sluice::replication

#include "replication/etcd_metadata_store.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <stdexcept>

#include "protocol/uuid_text.h"
#include "replication/topic_name.h"

namespace sluice::replication {

using protocol::error_code;

namespace {

topic_metadata to_metadata(const topic_record& r) {
    return topic_metadata{r.name, r.topic_id, r.partition_count, r.replication_factor, r.configs};
}

op_result unknown_topic(const std::string& name) {
    return {error_code::unknown_topic_or_partition, "Topic '" + name + "' does not exist."};
}

}  // namespace

etcd_metadata_store::etcd_metadata_store(boost::asio::io_context& io, const options& opts) : options_(opts) {
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
                                                     watchers_.notify({names.begin(), names.end()});
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
        io.restart();
        io.run_for(std::chrono::milliseconds(200));
    }
    store->cluster_id_ = id->value();
    bool started = false;
    store->mirror_->start([&] { started = true; });
    if (!run_until([&] { return started; })) {
        throw metadata_error("cannot list the cluster metadata in etcd at " + opts.endpoints);
    }
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

std::map<int32_t, std::vector<int32_t>> etcd_metadata_store::placed_here(int32_t from, int32_t to) const {
    std::map<int32_t, std::vector<int32_t>> replicas;
    for (int32_t p = from; p < to; ++p) replicas[p] = {options_.node_id};
    return replicas;
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

void etcd_metadata_store::create_topic(topic_metadata topic, executor ex, created_fn done) {
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
    if (topic.topic_id.is_zero()) topic.topic_id = protocol::random_uuid();
    topic_record record{topic.name, topic.topic_id, topic.partition_count, topic.replication_factor, topic.configs};
    std::weak_ptr<bool> alive = alive_;
    mirror_->create_topic(record, placed_here(0, topic.partition_count),
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

void etcd_metadata_store::set_partition_count(std::string name, int32_t count, executor ex, done_fn done) {
    auto refuse = [&](op_result r) { boost::asio::post(ex, [done = std::move(done), r = std::move(r)] { done(r); }); };
    const auto* entry = mirror_->find(name);
    if (entry == nullptr) return refuse(unknown_topic(name));
    int32_t current = entry->topic.partition_count;
    if (count <= current) {
        return refuse({error_code::invalid_partitions, "Topic currently has " + std::to_string(current) +
                                                           " partitions, which is higher than the requested " +
                                                           std::to_string(count) + "."});
    }
    std::weak_ptr<bool> alive = alive_;
    mirror_->add_partitions(name, placed_here(current, count),
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

metadata_store::subscription etcd_metadata_store::watch(executor ex, watch_fn on_change) {
    return watchers_.add(std::move(ex), std::move(on_change));
}

}  // namespace sluice::replication

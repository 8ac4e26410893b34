#include "broker/topics/topic_registry.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "broker/broker.h"
#include "broker/topics/partition_leader.h"
#include "log/partition_metadata.h"
#include "replication/topic_name.h"
#include "protocol/uuid_text.h"

namespace sluice::broker {

using protocol::error_code;

size_t topic_registry::uuid_hash::operator()(const protocol::uuid& id) const {
    // Topic ids are random (v4 UUIDs): their first 8 bytes are hash enough.
    uint64_t h = 0;
    std::memcpy(&h, id.value.data(), sizeof(h));
    return static_cast<size_t>(h);
}

log::log_config to_log_config(const topic_settings& t) {
    const storage_settings& s = t.storage;
    log::log_config c;
    c.segment_bytes = s.segment_bytes;
    c.segment_ms = s.segment_ms;
    c.retention_ms = s.retention_ms;
    c.retention_bytes = s.retention_bytes;
    c.index_interval_bytes = s.index_interval_bytes;
    c.segment_index_bytes = s.segment_index_bytes;
    c.log_append_time = s.log_append_time;
    c.flush_messages = s.flush_messages;
    c.flush_ms = s.flush_ms;
    c.delete_retention = s.delete_retention;
    c.key_index = s.key_index;
    c.compact = t.compact;
    c.delete_retention_ms = t.delete_retention_ms;
    c.min_compaction_lag_ms = t.min_compaction_lag_ms;
    c.max_compaction_lag_ms = t.max_compaction_lag_ms;
    c.min_cleanable_dirty_ratio = t.min_cleanable_dirty_ratio;
    return c;
}

topic_registry::topic_registry(const broker_config& config, metadata_store& store, log::log_manager& logs,
                               executor ex)
    : config_(config), store_(store), logs_(logs), ex_(std::move(ex)) {}

void topic_registry::load() {
    for (auto& meta : store_.list_topics()) {
        auto topic = std::make_unique<topic_state>();
        topic->meta = meta;
        topic->settings = resolve_topic_settings(meta.configs, config_);
        // Startup: a partition whose log cannot be opened stops the broker
        // with the reason, rather than serving a topic with holes.
        if (auto r = open_partitions(*topic, 0, meta.partition_count); !r.ok()) throw std::runtime_error(r.message);
        by_id_[meta.topic_id] = topic.get();
        topics_.emplace(meta.name, std::move(topic));
    }
    logs_.sync_created({});
    watch_ = store_.watch(ex_, [this](const std::vector<std::string>& names) {
        for (const auto& name : names) {
            if (auto r = reconcile(name); !r.ok()) spdlog::error("cannot apply the change of topic {}: {}", name, r.message);
        }
        logs_.sync_created({});
    });
}

namespace {

// Whether a partition directory is this topic's (Kafka's partition.metadata);
// one that records no id (written before the file existed) is adopted.
bool belongs_to(const log::partition_log& plog, const protocol::uuid& topic_id) {
    auto recorded = log::read_partition_topic_id(plog.dir());
    if (recorded) return *recorded == topic_id;
    if (!log::write_partition_topic_id(plog.dir(), topic_id)) {
        spdlog::warn("cannot record the topic id in {}", plog.dir().string());
    }
    return true;
}

}  // namespace

op_result topic_registry::open_partitions(topic_state& topic, int32_t from, int32_t to) {
    auto cfg = to_log_config(topic.settings);
    std::vector<log::topic_partition> created;
    for (int32_t p = from; p < to; ++p) {
        log::topic_partition tp{topic.meta.name, p};
        log::partition_log* plog = logs_.get(tp);
        if (plog != nullptr && !belongs_to(*plog, topic.meta.topic_id)) {
            // A directory an earlier topic of this name left behind.
            logs_.set_aside(tp);
            plog = nullptr;
        }
        if (plog == nullptr) {
            plog = logs_.create(tp, cfg);
            if (plog != nullptr && !log::write_new_partition_topic_id(plog->dir(), topic.meta.topic_id)) {
                int saved = errno;
                logs_.remove(tp);
                errno = saved;
                plog = nullptr;
            }
            if (plog == nullptr) {
                // Typically EMFILE or a full disk: undo this call's partitions
                // so the topic is either whole or not there.
                std::string reason = std::strerror(errno);
                for (const auto& done : created) logs_.remove(done);
                topic.partitions.resize(static_cast<size_t>(from));
                return {error_code::kafka_storage_error,
                        "Cannot create the log of " + topic.meta.name + "-" + std::to_string(p) + ": " + reason};
            }
            created.push_back(tp);
        } else {
            plog->update_config(cfg);
        }
        auto state = std::make_unique<partition_state>();
        state->index = p;
        state->log = plog;
        state->replica = partition_replica(node_id(config_.node_id));
        // A single node leads at once, with replicas {self}. In a cluster the
        // partition serves nothing until the controller's decision is applied
        // (broker/replica/cluster_roles.h): it may be led elsewhere.
        if (!config_.metadata_etcd_endpoints) become_single_node_leader(*state, node_id(config_.node_id), now_ms());
        topic.partitions.push_back(std::move(state));
    }
    return {};
}

void topic_registry::check_isr(int64_t now) {
    if (!propose_isr_) return;
    for (auto& [name, topic] : topics_) {
        for (auto& p : topic->partitions) {
            auto isr = isr_change_due(*p, now, config_.replica_lag_time_max_ms);
            if (!isr) continue;
            // Pending from now: the high watermark counts the maximal ISR
            // until the controller answers.
            p->replica.leader()->propose_isr(*isr);
            propose_isr_(name, *p, *isr);
        }
    }
}

topic_state* topic_registry::find(std::string_view name) {
    auto it = topics_.find(name);
    return it == topics_.end() ? nullptr : it->second.get();
}

topic_state* topic_registry::find(const protocol::uuid& id) {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : it->second;
}

partition_state* topic_registry::find(std::string_view topic, int32_t partition) {
    topic_state* t = find(topic);
    if (t == nullptr || partition < 0 || partition >= static_cast<int32_t>(t->partitions.size())) return nullptr;
    return t->partitions[static_cast<size_t>(partition)].get();
}

void topic_registry::create(const std::string& name, int32_t partitions, int16_t replication_factor,
                            const topic_config& configs, replication::replica_assignments assignments,
                            bool validate_only, done_fn done) {
    if (auto r = replication::validate_topic_name(name); !r.ok()) return done(r);
    if (find(name) != nullptr) return done({error_code::topic_already_exists, "Topic '" + name + "' already exists."});
    for (auto& [existing, topic] : topics_) {
        if (replication::topic_names_collide(existing, name)) {
            return done({error_code::invalid_topic_exception,
                         "Topic '" + name + "' collides with existing topic '" + existing + "'."});
        }
    }
    if (partitions == -1) partitions = config_.num_partitions;
    if (replication_factor == -1) replication_factor = config_.default_replication_factor;
    if (partitions <= 0) return done({error_code::invalid_partitions, "Number of partitions must be larger than 0."});
    if (partitions > 100000) return done({error_code::invalid_partitions, "Number of partitions is too large."});
    if (replication_factor <= 0) {
        return done({error_code::invalid_replication_factor, "Replication factor must be larger than 0."});
    }
    if (auto live = store_.live_brokers().size(); assignments.empty() && static_cast<size_t>(replication_factor) > live) {
        return done({error_code::invalid_replication_factor,
                     "Replication factor: " + std::to_string(replication_factor) +
                         " larger than available brokers: " + std::to_string(live) + "."});
    }
    if (auto r = validate_topic_configs(configs); !r.ok()) return done(r);
    if (validate_only) return done({});

    topic_metadata meta;
    meta.name = name;
    meta.topic_id = protocol::random_uuid();
    meta.partition_count = partitions;
    meta.replication_factor = replication_factor;
    meta.configs = configs;
    store_.create_topic(std::move(meta), std::move(assignments), ex_,
                        [this, name, done = std::move(done)](op_result r, topic_metadata) {
        if (!r.ok()) return done(r);
        // The watch may have applied it already; reconcile is idempotent.
        if (auto opened = reconcile(name); !opened.ok()) {
            spdlog::error("cannot create topic {}: {}", name, opened.message);
            store_.delete_topic(name, ex_, [name](op_result undo) {
                if (!undo.ok()) spdlog::error("cannot undo the creation of {}: {}", name, undo.message);
            });
            return done(opened);
        }
        logs_.sync_created({});
        done({});
    });
}

void topic_registry::remove(const std::string& name, done_fn done) {
    if (find(name) == nullptr) {
        return done({error_code::unknown_topic_or_partition, "This server does not host this topic."});
    }
    store_.delete_topic(name, ex_, [this, name, done = std::move(done)](op_result r) {
        if (!r.ok()) return done(r);
        (void)reconcile(name);  // drops it, unless the watch did first
        done({});
    });
}

void topic_registry::drop(const std::string& name) {
    auto it = topics_.find(name);
    if (it == topics_.end()) return;
    if (on_drop_) on_drop_(*it->second);
    // Out of the registry before any fetch is woken: a woken fetch re-reads
    // its partitions and must find the topic gone, never a partition whose
    // log was already removed.
    std::unique_ptr<topic_state> topic = std::move(it->second);
    topics_.erase(it);
    by_id_.erase(topic->meta.topic_id);
    for (auto& p : topic->partitions) {
        p->notify();  // waiting fetches re-check and see the topic gone
        logs_.remove(log::topic_partition{topic->meta.name, p->index});
    }
    spdlog::info("deleted topic {}", topic->meta.name);
}

void topic_registry::broker_defaults_changed() {
    for (auto& [name, t] : topics_) {
        auto next = resolve_topic_settings(t->meta.configs, config_);
        t->settings = next;
        auto cfg = to_log_config(next);
        for (auto& p : t->partitions) p->log->update_config(cfg);
    }
}

op_result topic_registry::reconcile(const std::string& name) {
    std::optional<topic_metadata> stored = store_.get_topic(name);
    topic_state* t = find(name);
    // Gone, or deleted and re-created under the same name meanwhile.
    if (t != nullptr && (!stored || stored->topic_id != t->meta.topic_id)) {
        drop(name);
        t = nullptr;
    }
    if (!stored) return {};
    if (t == nullptr) {
        auto topic = std::make_unique<topic_state>();
        topic->meta = *stored;
        topic->settings = resolve_topic_settings(stored->configs, config_);
        if (auto r = open_partitions(*topic, 0, stored->partition_count); !r.ok()) return r;
        spdlog::info("created topic {} with {} partition(s)", name, stored->partition_count);
        by_id_[stored->topic_id] = topic.get();
        topics_.emplace(name, std::move(topic));
        return {};
    }
    // Never shrinks: add_partitions opens the new logs before the store
    // counts them.
    auto have = static_cast<int32_t>(t->partitions.size());
    if (stored->partition_count > have) {
        if (auto r = open_partitions(*t, have, stored->partition_count); !r.ok()) return r;
    }
    t->meta.partition_count = stored->partition_count;
    t->meta.replication_factor = stored->replication_factor;
    if (stored->configs != t->meta.configs) {
        t->meta.configs = stored->configs;
        t->settings = resolve_topic_settings(stored->configs, config_);
        auto cfg = to_log_config(t->settings);
        for (auto& p : t->partitions) p->log->update_config(cfg);
    }
    return {};
}

void topic_registry::add_partitions(const std::string& name, int32_t new_total,
                                    replication::replica_assignments assignments, bool validate_only, done_fn done) {
    topic_state* t = find(name);
    if (t == nullptr) return done({error_code::unknown_topic_or_partition, "This server does not host this topic."});
    auto current = static_cast<int32_t>(t->partitions.size());
    if (new_total <= current) {
        return done({error_code::invalid_partitions, "Topic currently has " + std::to_string(current) +
                                                         " partitions, which is higher than the requested " +
                                                         std::to_string(new_total) + "."});
    }
    if (new_total > 100000) return done({error_code::invalid_partitions, "Number of partitions is too large."});
    if (validate_only) return done({});
    // Logs first: the store cannot shrink a topic back if they fail.
    if (auto r = open_partitions(*t, current, new_total); !r.ok()) {
        spdlog::error("cannot add partitions to {}: {}", name, r.message);
        return done(r);
    }
    store_.set_partition_count(
        name, new_total, std::move(assignments), ex_, [this, name, id = t->meta.topic_id, current, done = std::move(done)](op_result r) {
            if (r.ok()) {
                (void)reconcile(name);
                logs_.sync_created({});
                return done(r);
            }
            // Take back the logs the store does not count (unless the
            // topic changed hands meanwhile).
            topic_state* again = find(name);
            if (again != nullptr && again->meta.topic_id == id) {
                auto stored = store_.get_topic(name);
                int32_t keep = std::max(current, stored ? stored->partition_count : current);
                while (static_cast<int32_t>(again->partitions.size()) > keep) {
                    auto& p = again->partitions.back();
                    p->notify();
                    logs_.remove(log::topic_partition{name, p->index});
                    again->partitions.pop_back();
                }
            }
            done(r);
        });
}

void topic_registry::set_configs(const std::string& name, const topic_config& configs, bool validate_only,
                                 done_fn done) {
    update_configs(
        name,
        [configs](topic_config& c) {
            c = configs;
            return op_result{};
        },
        validate_only, std::move(done));
}

void topic_registry::update_configs(const std::string& name, config_change change, bool validate_only,
                                    done_fn done) {
    // A few rounds: each lost compare-and-swap means another writer's change
    // went in, so this is not a livelock between two.
    update_configs_attempt(name, std::move(change), validate_only, 5, std::move(done));
}

void topic_registry::update_configs_attempt(const std::string& name, config_change change, bool validate_only,
                                            int attempts, done_fn done) {
    topic_state* t = find(name);
    if (t == nullptr) return done({error_code::unknown_topic_or_partition, "This server does not host this topic."});
    auto stored = store_.get_topic(name);
    topic_config before = stored ? stored->configs : t->meta.configs;
    topic_config after = before;
    if (auto r = change(after); !r.ok()) return done(r);
    if (auto r = validate_topic_configs(after); !r.ok()) return done(r);
    if (validate_only) return done({});
    store_.set_topic_configs(name, after, before, ex_,
                             [this, name, change = std::move(change), validate_only, attempts,
                              done = std::move(done)](op_result r) mutable {
                                 if (r.code == replication::conflict_code && attempts > 1) {
                                     return update_configs_attempt(name, std::move(change), validate_only,
                                                                   attempts - 1, std::move(done));
                                 }
                                 if (r.ok()) (void)reconcile(name);
                                 done(r);
                             });
}

}  // namespace sluice::broker

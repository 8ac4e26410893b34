#include "replication/cluster_metadata.h"

#include <spdlog/spdlog.h>

#include <boost/asio/steady_timer.hpp>
#include <charconv>

#include "protocol/uuid_text.h"
#include "replication/etcd/etcd_watch.h"

namespace sluice::replication {

namespace asio = boost::asio;
using protocol::error_code;

namespace {

// etcd refuses transactions of more than 128 operations by default.
constexpr size_t max_ops_per_txn = 100;

write_result unavailable(const etcd::error& e) {
    return write_result{error_code::request_timed_out, "cluster metadata store unavailable: " + e.message, false, 0};
}

write_result conflict(const std::string& what) {
    return write_result{error_code::none, what + " changed concurrently; try again", true, 0};
}

}  // namespace

struct cluster_metadata::state {
    asio::steady_timer retry;
    std::shared_ptr<etcd::watch_stream> watch;
    explicit state(const asio::any_io_executor& ex) : retry(ex) {}
};

cluster_metadata::cluster_metadata(asio::any_io_executor executor, etcd::client& client, cluster_keys keys,
                                   changed_fn on_change)
    : executor_(std::move(executor)),
      client_(client),
      keys_(std::move(keys)),
      on_change_(std::move(on_change)),
      state_(std::make_unique<state>(executor_)) {}

cluster_metadata::~cluster_metadata() {
    *alive_ = false;
    if (state_->watch) state_->watch->cancel();
}

void cluster_metadata::start(std::function<void()> done) {
    stopped_ = false;
    start_done_ = std::move(done);
    list();
}

void cluster_metadata::stop() {
    stopped_ = true;
    state_->retry.cancel();
    if (state_->watch) state_->watch->cancel();
    state_->watch.reset();
}

const cluster_metadata::topic_entry* cluster_metadata::find(const std::string& name) const {
    auto it = topics_.find(name);
    return it == topics_.end() ? nullptr : &it->second;
}

const cluster_metadata::topic_entry* cluster_metadata::find(const protocol::uuid& id) const {
    auto name = names_by_id_.find(protocol::to_base64url(id));
    return name == names_by_id_.end() ? nullptr : find(name->second);
}

const cluster_metadata::partitions& cluster_metadata::partitions_of(const protocol::uuid& id) const {
    static const partitions none;
    auto it = partitions_.find(protocol::to_base64url(id));
    return it == partitions_.end() ? none : it->second;
}

void cluster_metadata::after(int64_t revision, std::function<void()> done) {
    if (revision <= applied_revision_) return done();
    waiting_.emplace(revision, std::move(done));
}

void cluster_metadata::applied(int64_t revision) {
    applied_revision_ = std::max(applied_revision_, revision);
    while (!waiting_.empty() && waiting_.begin()->first <= applied_revision_) {
        auto done = std::move(waiting_.begin()->second);
        waiting_.erase(waiting_.begin());
        done();
    }
}

void cluster_metadata::apply_record(const etcd::key_value& kv, bool removed) {
    std::string rest = kv.key.substr(keys_.records().size());
    size_t slash = rest.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == rest.size()) return;
    std::string kind = rest.substr(0, slash);
    std::string key = rest.substr(slash + 1);
    changed_record_kinds_.insert(kind);
    if (!removed) {
        records_[kind][key] = kv.value;
        return;
    }
    auto it = records_.find(kind);
    if (it == records_.end()) return;
    it->second.erase(key);
    if (it->second.empty()) records_.erase(it);
}

void cluster_metadata::tell_record_changes() {
    if (changed_record_kinds_.empty()) return;
    auto kinds = std::move(changed_record_kinds_);
    changed_record_kinds_.clear();
    if (on_records_change_) on_records_change_(kinds);
}

void cluster_metadata::update_records(const std::string& kind,
                                      const std::map<std::string, std::optional<std::string>>& changes,
                                      write_callback done) {
    etcd::txn_request txn;
    for (const auto& [key, value] : changes) {
        if (value) {
            txn.success.push_back(etcd::put_op{keys_.record(kind, key), *value, 0});
        } else {
            txn.success.push_back(etcd::delete_op{keys_.record(kind, key), ""});
        }
    }
    if (txn.success.empty()) return done(write_result{error_code::none, "", false, applied_revision_});
    std::weak_ptr<bool> alive = alive_;
    client_.txn(txn, [alive, done = std::move(done)](etcd::result<etcd::txn_response> r) {
        if (alive.expired()) return;
        if (!r) return done(unavailable(r.err()));
        done(write_result{error_code::none, "", false, r->head.revision});
    });
}

void cluster_metadata::apply(const etcd::key_value& kv, bool removed, std::set<std::string>& changed) {
    if (kv.key.starts_with(keys_.records())) return apply_record(kv, removed);
    const std::string topics = keys_.topics();
    const std::string parts = keys_.partitions();
    if (kv.key.starts_with(topics)) {
        std::string name = kv.key.substr(topics.size());
        if (auto old = topics_.find(name); old != topics_.end()) {
            names_by_id_.erase(protocol::to_base64url(old->second.topic.topic_id));
            topics_.erase(old);
        }
        changed.insert(name);
        if (removed) return;
        auto record = topic_record_from_json(name, kv.value);
        if (!record) {
            spdlog::warn("cluster: ignoring unreadable topic record {}", kv.key);
            return;
        }
        names_by_id_[protocol::to_base64url(record->topic_id)] = name;
        topics_[name] = topic_entry{std::move(*record), kv.mod_revision};
        return;
    }
    if (!kv.key.starts_with(parts)) return;
    std::string rest = kv.key.substr(parts.size());
    size_t slash = rest.find('/');
    if (slash == std::string::npos) return;
    std::string id = rest.substr(0, slash);
    int32_t index = 0;
    const char* first = rest.data() + slash + 1;
    const char* last = rest.data() + rest.size();
    auto [end, ec] = std::from_chars(first, last, index);
    if (ec != std::errc{} || end != last || first == last || index < 0) return;
    if (auto name = names_by_id_.find(id); name != names_by_id_.end()) changed.insert(name->second);
    if (removed) {
        auto it = partitions_.find(id);
        if (it == partitions_.end()) return;
        it->second.erase(index);
        if (it->second.empty()) partitions_.erase(it);
        return;
    }
    auto state = partition_registration_from_json(kv.value);
    if (!state) {
        spdlog::warn("cluster: ignoring unreadable partition state {}", kv.key);
        return;
    }
    partitions_[id][index] = partition_entry{std::move(*state), kv.mod_revision};
}

void cluster_metadata::list() {
    std::weak_ptr<bool> alive = alive_;
    client_.range(keys_.all(), etcd::prefix_end(keys_.all()), [this, alive](etcd::result<etcd::range_response> r) {
        if (alive.expired() || stopped_) return;
        if (!r) {
            spdlog::warn("cluster: cannot list cluster metadata ({}); retrying", r.err().message);
            return retry_later();
        }
        std::set<std::string> changed;
        for (const auto& [name, t] : topics_) changed.insert(name);
        topics_.clear();
        partitions_.clear();
        names_by_id_.clear();
        for (const auto& [kind, kept] : records_) changed_record_kinds_.insert(kind);
        records_.clear();
        // Topic records first, so partitions know their topic's name.
        for (const auto& kv : r->kvs) {
            if (kv.key.starts_with(keys_.topics())) apply(kv, false, changed);
        }
        for (const auto& kv : r->kvs) {
            if (!kv.key.starts_with(keys_.topics())) apply(kv, false, changed);
        }
        applied(r->head.revision);
        if (on_change_ && !changed.empty()) on_change_(changed);
        tell_record_changes();
        if (auto done = std::move(start_done_)) {
            start_done_ = nullptr;
            done();
        }
        watch_from(r->head.revision + 1);
    });
}

void cluster_metadata::watch_from(int64_t revision) {
    std::weak_ptr<bool> alive = alive_;
    state_->watch = client_.watch(
        keys_.all(), etcd::prefix_end(keys_.all()), revision,
        [this, alive](const etcd::watch_response& m) {
            if (alive.expired() || stopped_) return;
            std::set<std::string> changed;
            int64_t newest = m.head.revision;
            for (const auto& e : m.events) {
                apply(e.kv, e.what == etcd::watch_event::kind::remove, changed);
                newest = std::max(newest, e.kv.mod_revision);
            }
            if (on_change_ && !changed.empty()) on_change_(changed);
            tell_record_changes();
            applied(newest);
        },
        [this, alive](const etcd::error& e) {
            if (alive.expired() || stopped_) return;
            spdlog::warn("cluster: metadata watch ended ({}); listing again", e.message);
            state_->watch.reset();
            retry_later();
        });
}

void cluster_metadata::retry_later() {
    std::weak_ptr<bool> alive = alive_;
    state_->retry.expires_after(std::chrono::milliseconds(500));
    state_->retry.async_wait([this, alive](boost::system::error_code ec) {
        if (ec || alive.expired() || stopped_) return;
        list();
    });
}

void cluster_metadata::ensure_cluster_id(std::optional<std::string> configured,
                                         std::function<void(etcd::result<std::string>)> done) {
    std::string wanted = configured.value_or(protocol::to_base64url(protocol::random_uuid()));
    etcd::txn_request txn;
    txn.compares.push_back(etcd::compare::absent(keys_.cluster_id()));
    txn.success.push_back(etcd::put_op{keys_.cluster_id(), wanted, 0});
    txn.failure.push_back(etcd::range_op{keys_.cluster_id(), ""});
    client_.txn(txn, [wanted, configured, key = keys_.cluster_id(), done = std::move(done)](
                         etcd::result<etcd::txn_response> r) {
        if (!r) return done(r.err());
        if (r->succeeded) return done(wanted);
        if (r->results.empty() || r->results[0].empty()) {
            return done(etcd::error{etcd::error::kind::bad_response, 0, "cluster id vanished while read"});
        }
        std::string stored = r->results[0][0].value;
        if (configured && stored != *configured) {
            return done(etcd::error{etcd::error::kind::server, 0,
                                    "cluster.id " + *configured + " does not match the id " + stored +
                                        " stored in etcd at " + key});
        }
        done(stored);
    });
}

void cluster_metadata::write_partitions(const std::string& topic_id_text, std::vector<etcd::txn_op> puts,
                                        size_t from, etcd::compare guard,
                                        std::function<void(std::optional<write_result>)> done) {
    if (from >= puts.size()) return done(std::nullopt);
    etcd::txn_request txn;
    txn.compares.push_back(guard);
    size_t to = std::min(puts.size(), from + max_ops_per_txn);
    txn.success.assign(puts.begin() + static_cast<std::ptrdiff_t>(from), puts.begin() + static_cast<std::ptrdiff_t>(to));
    std::weak_ptr<bool> alive = alive_;
    client_.txn(txn, [this, alive, topic_id_text, puts = std::move(puts), to, guard,
                      done = std::move(done)](etcd::result<etcd::txn_response> r) mutable {
        if (alive.expired()) return;
        if (!r) return done(unavailable(r.err()));
        if (!r->succeeded) return done(write_result{error_code::none, "", true, 0});
        write_partitions(topic_id_text, std::move(puts), to, guard, std::move(done));
    });
}

void cluster_metadata::create_topic(topic_record topic, std::map<int32_t, std::vector<int32_t>> replicas,
                                    write_callback done) {
    const std::string name = topic.name;
    auto exists = [name] {
        return write_result{error_code::topic_already_exists, "Topic '" + name + "' already exists.", false, 0};
    };
    if (find(name) != nullptr) return done(exists());
    const std::string id = protocol::to_base64url(topic.topic_id);
    std::vector<etcd::txn_op> puts;
    for (const auto& [p, r] : replicas) {
        puts.push_back(etcd::put_op{keys_.partition(id, p), to_json(initial_registration(r)), 0});
    }
    const std::string topic_key = keys_.topic(name);
    // Removes what a refused creation left under its (unused) topic id.
    auto clean_up = [this, id] { client_.remove(etcd::delete_op{keys_.partitions_of(id), etcd::prefix_end(keys_.partitions_of(id))}, [](auto) {}); };
    std::weak_ptr<bool> alive = alive_;
    write_partitions(id, std::move(puts), 0, etcd::compare::absent(topic_key),
                     [this, alive, topic = std::move(topic), topic_key, exists, clean_up,
                      done = std::move(done)](std::optional<write_result> failed) mutable {
                         if (alive.expired()) return;
                         if (failed) {
                             if (failed->conflict) {
                                 clean_up();
                                 return done(exists());
                             }
                             return done(*failed);
                         }
                         // The commit point: the topic key naming this id.
                         etcd::txn_request commit;
                         commit.compares.push_back(etcd::compare::absent(topic_key));
                         commit.success.push_back(etcd::put_op{topic_key, to_json(topic), 0});
                         client_.txn(commit, [alive, exists, clean_up, done = std::move(done)](
                                                 etcd::result<etcd::txn_response> r) {
                             if (alive.expired()) return;
                             // Unanswered: it may have committed, so nothing is removed.
                             if (!r) return done(unavailable(r.err()));
                             if (!r->succeeded) {
                                 clean_up();
                                 return done(exists());
                             }
                             done(write_result{error_code::none, "", false, r->head.revision});
                         });
                     });
}

void cluster_metadata::topic_txn(etcd::txn_request txn, const std::string& what, write_callback done) {
    std::weak_ptr<bool> alive = alive_;
    client_.txn(txn, [alive, what, done = std::move(done)](etcd::result<etcd::txn_response> r) {
        if (alive.expired()) return;
        if (!r) return done(unavailable(r.err()));
        if (!r->succeeded) return done(conflict(what));
        done(write_result{error_code::none, "", false, r->head.revision});
    });
}

namespace {

write_result unknown_topic(const std::string& name) {
    return write_result{error_code::unknown_topic_or_partition, "Topic '" + name + "' does not exist.", false, 0};
}

}  // namespace

void cluster_metadata::delete_topic(const std::string& name, write_callback done) {
    const topic_entry* t = find(name);
    if (t == nullptr) return done(unknown_topic(name));
    const std::string id = protocol::to_base64url(t->topic.topic_id);
    etcd::txn_request txn;
    txn.compares.push_back(etcd::compare::mod_revision_is(keys_.topic(name), t->mod_revision));
    txn.success.push_back(etcd::delete_op{keys_.topic(name), ""});
    txn.success.push_back(etcd::delete_op{keys_.partitions_of(id), etcd::prefix_end(keys_.partitions_of(id))});
    topic_txn(std::move(txn), "Topic '" + name + "'", std::move(done));
}

void cluster_metadata::set_configs(const std::string& name, std::map<std::string, std::string> configs,
                                   write_callback done) {
    const topic_entry* t = find(name);
    if (t == nullptr) return done(unknown_topic(name));
    topic_record next = t->topic;
    next.configs = std::move(configs);
    etcd::txn_request txn;
    txn.compares.push_back(etcd::compare::mod_revision_is(keys_.topic(name), t->mod_revision));
    txn.success.push_back(etcd::put_op{keys_.topic(name), to_json(next), 0});
    topic_txn(std::move(txn), "Topic '" + name + "'", std::move(done));
}

void cluster_metadata::add_partitions(const std::string& name, std::map<int32_t, std::vector<int32_t>> replicas,
                                      write_callback done) {
    const topic_entry* t = find(name);
    if (t == nullptr) return done(unknown_topic(name));
    if (replicas.empty() || replicas.begin()->first != t->topic.partition_count ||
        replicas.rbegin()->first != t->topic.partition_count + static_cast<int32_t>(replicas.size()) - 1) {
        return done(write_result{error_code::invalid_partitions, "new partitions must follow the existing ones",
                                 false, 0});
    }
    const std::string id = protocol::to_base64url(t->topic.topic_id);
    topic_record next = t->topic;
    next.partition_count = replicas.rbegin()->first + 1;
    std::vector<etcd::txn_op> puts;
    for (const auto& [p, r] : replicas) {
        puts.push_back(etcd::put_op{keys_.partition(id, p), to_json(initial_registration(r)), 0});
    }
    // New partition keys stay invisible until the count covers them.
    etcd::compare unchanged = etcd::compare::mod_revision_is(keys_.topic(name), t->mod_revision);
    std::weak_ptr<bool> alive = alive_;
    write_partitions(id, std::move(puts), 0, unchanged,
                     [this, alive, name, next = std::move(next), unchanged,
                      done = std::move(done)](std::optional<write_result> failed) mutable {
                         if (alive.expired()) return;
                         if (failed) return done(failed->conflict ? conflict("Topic '" + name + "'") : *failed);
                         etcd::txn_request commit;
                         commit.compares.push_back(unchanged);
                         commit.success.push_back(etcd::put_op{keys_.topic(name), to_json(next), 0});
                         topic_txn(std::move(commit), "Topic '" + name + "'", std::move(done));
                     });
}

void cluster_metadata::update_partition(const protocol::uuid& topic_id, int32_t partition,
                                        partition_registration next, std::vector<etcd::compare> guards,
                                        write_callback done) {
    const partitions& known = partitions_of(topic_id);
    auto it = known.find(partition);
    if (it == known.end()) {
        return done(write_result{error_code::unknown_topic_or_partition, "no such partition", false, 0});
    }
    const std::string key = keys_.partition(protocol::to_base64url(topic_id), partition);
    etcd::txn_request txn;
    txn.compares.push_back(etcd::compare::mod_revision_is(key, it->second.mod_revision));
    for (auto& g : guards) txn.compares.push_back(std::move(g));
    txn.success.push_back(etcd::put_op{key, to_json(next), 0});
    topic_txn(std::move(txn), "Partition " + std::to_string(partition), std::move(done));
}

}  // namespace sluice::replication

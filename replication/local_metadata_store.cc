#include "replication/local_metadata_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "replication/partition_checks.h"
#include "replication/partition_reassignment.h"
#include "replication/topic_name.h"
#include "protocol/uuid_text.h"

namespace sluice::replication {

namespace fs = std::filesystem;
using protocol::error_code;

namespace {

std::string errno_text(std::string_view what, const fs::path& p) {
    return std::string(what) + " " + p.string() + ": " + std::strerror(errno);
}

// tmp + fsync + rename + fsync(dir): the file is either old or new after a crash.
op_result write_atomically(const fs::path& target, std::string_view data) {
    fs::path tmp = target;
    tmp += ".tmp";
    auto fail = [&](std::string message) {
        ::unlink(tmp.c_str());
        return op_result{error_code::kafka_storage_error, std::move(message)};
    };
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return fail(errno_text("cannot create", tmp));
    size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            auto message = errno_text("cannot write", tmp);
            ::close(fd);
            return fail(message);
        }
        done += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0) {
        auto message = errno_text("cannot fsync", tmp);
        ::close(fd);
        return fail(message);
    }
    if (::close(fd) != 0) return fail(errno_text("cannot close", tmp));
    if (::rename(tmp.c_str(), target.c_str()) != 0) return fail(errno_text("cannot rename", tmp));
    fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return {error_code::kafka_storage_error, errno_text("cannot open", dir)};
    int rc = ::fsync(dfd);
    ::close(dfd);
    if (rc != 0) return {error_code::kafka_storage_error, errno_text("cannot fsync", dir)};
    return {};
}

}  // namespace

std::unique_ptr<local_metadata_store> local_metadata_store::open(
    const fs::path& dir, const std::optional<std::string>& configured_cluster_id, broker_node self) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw metadata_error("Cannot create log dir " + dir.string() + ": " + ec.message());

    std::unique_ptr<local_metadata_store> store(new local_metadata_store(dir / file_name, std::move(self)));
    const fs::path& path = store->path_;
    fs::path tmp = path;
    tmp += ".tmp";
    fs::remove(tmp, ec);  // an interrupted write; the file itself is intact

    if (fs::exists(path, ec)) {
        std::ifstream in(path, std::ios::binary);
        if (!in) throw metadata_error("Cannot open cluster metadata file " + path.string());
        std::ostringstream text;
        text << in.rdbuf();
        if (in.bad()) throw metadata_error("Cannot read cluster metadata file " + path.string());
        try {
            store->state_ = decode_metadata(text.str());
        } catch (const metadata_error& e) {
            throw metadata_error("Corrupt cluster metadata file " + path.string() + ": " + e.what() +
                                 ". Refusing to start rather than lose the topics it lists; restore it "
                                 "from a backup or remove it to start with no topics.");
        }
        if (configured_cluster_id && *configured_cluster_id != store->state_.cluster_id) {
            throw metadata_error("The cluster id " + store->state_.cluster_id + " stored in " + path.string() +
                                 " doesn't match cluster.id " + *configured_cluster_id);
        }
        spdlog::info("Loaded cluster metadata from {}: cluster id {}, {} topics", path.string(),
                     store->state_.cluster_id, store->state_.topics.size());
        return store;
    }
    if (ec) throw metadata_error("Cannot access " + path.string() + ": " + ec.message());

    state fresh;
    fresh.cluster_id = configured_cluster_id.value_or(protocol::to_base64url(protocol::random_uuid()));
    if (auto r = store->commit(std::move(fresh)); !r.ok()) {
        throw metadata_error("Cannot create cluster metadata file: " + r.message);
    }
    spdlog::info("Created cluster metadata file {} for cluster id {}", path.string(), store->state_.cluster_id);
    return store;
}

op_result local_metadata_store::commit(state next) {
    if (auto r = write_atomically(path_, encode_metadata(next)); !r.ok()) {
        spdlog::error("Cluster metadata not saved: {}", r.message);
        return r;
    }
    state_ = std::move(next);
    return {};
}

topic_metadata* local_metadata_store::find(state& s, std::string_view name) {
    auto it = std::find_if(s.topics.begin(), s.topics.end(), [&](const auto& t) { return t.name == name; });
    return it == s.topics.end() ? nullptr : &*it;
}

std::string local_metadata_store::cluster_id() const {
    std::lock_guard lock(mu_);
    return state_.cluster_id;
}

std::vector<topic_metadata> local_metadata_store::list_topics() const {
    std::lock_guard lock(mu_);
    return state_.topics;
}

std::optional<topic_metadata> local_metadata_store::get_topic(std::string_view name) const {
    std::lock_guard lock(mu_);
    for (const auto& t : state_.topics) {
        if (t.name == name) return t;
    }
    return std::nullopt;
}

std::optional<topic_metadata> local_metadata_store::get_topic_by_id(const protocol::uuid& id) const {
    std::lock_guard lock(mu_);
    for (const auto& t : state_.topics) {
        if (t.topic_id == id) return t;
    }
    return std::nullopt;
}

op_result local_metadata_store::create_now(topic_metadata& topic, const replica_assignments& assignments) {
    if (auto r = validate_topic_name(topic.name); !r.ok()) return r;
    if (topic.partition_count < 1) {
        return {error_code::invalid_partitions, "Number of partitions must be larger than 0."};
    }
    if (topic.replication_factor < 1) {
        return {error_code::invalid_replication_factor, "Replication factor must be larger than 0."};
    }
    if (!assignments.empty()) {
        auto r = check_assignments(assignments, 0, topic.partition_count, topic.replication_factor,
                                   {self_.id.value()});
        if (!r.ok()) return r;
    } else if (topic.replication_factor > 1) {
        return {error_code::invalid_replication_factor, "Replication factor: " +
                                                            std::to_string(topic.replication_factor) +
                                                            " larger than available brokers: 1."};
    }
    std::lock_guard lock(mu_);
    for (const auto& t : state_.topics) {
        if (t.name == topic.name) {
            return {error_code::topic_already_exists, "Topic '" + topic.name + "' already exists."};
        }
        if (topic_names_collide(t.name, topic.name)) {
            return {error_code::invalid_topic_exception,
                    "Topic '" + topic.name + "' collides with existing topic: " + t.name};
        }
    }
    state next = state_;
    if (topic.topic_id.is_zero()) {
        auto taken = [&](const protocol::uuid& id) {
            return std::any_of(next.topics.begin(), next.topics.end(), [&](auto& t) { return t.topic_id == id; });
        };
        do {
            topic.topic_id = protocol::random_uuid();
        } while (taken(topic.topic_id));
    }
    next.topics.push_back(topic);
    return commit(std::move(next));
}

op_result local_metadata_store::delete_now(std::string_view name) {
    std::lock_guard lock(mu_);
    state next = state_;
    auto it = std::find_if(next.topics.begin(), next.topics.end(), [&](const auto& t) { return t.name == name; });
    if (it == next.topics.end()) {
        return {error_code::unknown_topic_or_partition, "Topic '" + std::string(name) + "' does not exist."};
    }
    next.topics.erase(it);
    return commit(std::move(next));
}

op_result local_metadata_store::set_partition_count_now(std::string_view name, int32_t count,
                                                        const replica_assignments& assignments) {
    std::lock_guard lock(mu_);
    state next = state_;
    topic_metadata* t = find(next, name);
    if (t == nullptr) {
        return {error_code::unknown_topic_or_partition, "Topic '" + std::string(name) + "' does not exist."};
    }
    if (count == t->partition_count) {
        return {error_code::invalid_partitions,
                "Topic already has " + std::to_string(t->partition_count) + " partitions."};
    }
    if (count < t->partition_count) {
        return {error_code::invalid_partitions, "Topic currently has " + std::to_string(t->partition_count) +
                                                    " partitions, which is higher than the requested " +
                                                    std::to_string(count) + "."};
    }
    if (!assignments.empty()) {
        auto r = check_assignments(assignments, t->partition_count, count - t->partition_count,
                                   t->replication_factor, {self_.id.value()});
        if (!r.ok()) return r;
    }
    t->partition_count = count;
    return commit(std::move(next));
}

op_result local_metadata_store::set_topic_configs_now(std::string_view name, const topic_configs& configs,
                                                      const std::optional<topic_configs>& expected) {
    std::lock_guard lock(mu_);
    state next = state_;
    topic_metadata* t = find(next, name);
    if (t == nullptr) {
        return {error_code::unknown_topic_or_partition, "Topic '" + std::string(name) + "' does not exist."};
    }
    if (expected && t->configs != *expected) {
        return {conflict_code, "The configs of topic '" + std::string(name) + "' changed meanwhile."};
    }
    t->configs = configs;
    return commit(std::move(next));
}

op_result local_metadata_store::allocate_producer_ids_now(producer_id_block& block) {
    std::lock_guard lock(mu_);
    int64_t first = state_.next_producer_id.value();
    if (!producer_ids_left(first, producer_id_block::default_size)) {
        return {error_code::unknown_server_error, "Every producer id has been handed out."};
    }
    state next = state_;
    next.next_producer_id = protocol::producer_id(first + producer_id_block::default_size);
    if (auto r = commit(std::move(next)); !r.ok()) return r;
    block = producer_id_block{protocol::producer_id(first), producer_id_block::default_size};
    return {};
}

// The file is written before these return: `done` runs inline, which the
// interface allows and which keeps a single node's admin requests answering
// exactly as before the interface became asynchronous.

void local_metadata_store::changed(const op_result& result, const std::string& name) {
    if (result.ok()) watchers_.notify({name});
}

void local_metadata_store::create_topic(topic_metadata topic, replica_assignments assignments, executor,
                                        created_fn done) {
    op_result r = create_now(topic, assignments);
    changed(r, topic.name);
    done(std::move(r), std::move(topic));
}

void local_metadata_store::delete_topic(std::string name, executor, done_fn done) {
    op_result r = delete_now(name);
    changed(r, name);
    done(std::move(r));
}

void local_metadata_store::set_partition_count(std::string name, int32_t count, replica_assignments assignments,
                                               executor, done_fn done) {
    op_result r = set_partition_count_now(name, count, assignments);
    changed(r, name);
    done(std::move(r));
}

void local_metadata_store::set_topic_configs(std::string name, topic_configs configs,
                                             std::optional<topic_configs> expected, executor, done_fn done) {
    op_result r = set_topic_configs_now(name, configs, expected);
    changed(r, name);
    done(std::move(r));
}

void local_metadata_store::allocate_producer_ids(executor, producer_ids_fn done) {
    producer_id_block block;
    op_result r = allocate_producer_ids_now(block);
    done(std::move(r), block);
}

record_map local_metadata_store::records(std::string_view kind) const {
    std::lock_guard lock(mu_);
    auto it = state_.records.find(std::string(kind));
    return it == state_.records.end() ? record_map{} : it->second;
}

void local_metadata_store::update_records(std::string kind, record_changes changes, executor, done_fn done) {
    op_result r = check_record_changes(kind, changes);
    if (r.ok()) {
        std::lock_guard lock(mu_);
        state next = state_;
        record_map& kept = next.records[kind];
        for (auto& [key, value] : changes) {
            if (value) {
                kept[key] = std::move(*value);
            } else {
                kept.erase(key);
            }
        }
        if (kept.empty()) next.records.erase(kind);
        r = commit(std::move(next));
    }
    if (r.ok()) record_watchers_.notify({kind});
    done(std::move(r));
}

metadata_store::subscription local_metadata_store::watch_records(executor ex,
                                                                 std::function<void(const std::string&)> on_change) {
    return record_watchers_.add(std::move(ex), [on_change = std::move(on_change)](const std::vector<std::string>& kinds) {
        for (const auto& kind : kinds) on_change(kind);
    });
}

metadata_store::subscription local_metadata_store::watch(executor ex, watch_fn on_change) {
    return watchers_.add(std::move(ex), std::move(on_change));
}

metadata_store::subscription local_metadata_store::watch_cluster(executor, std::function<void()>) {
    // Membership never changes; a live handle keeps the contract uniform.
    return std::make_shared<int>(0);
}

partition_registration local_metadata_store::single_replica() const {
    return initial_registration({self_.id.value()});
}

std::vector<partition_registration> local_metadata_store::partition_states(std::string_view topic) const {
    auto t = get_topic(topic);
    if (!t) return {};
    return std::vector<partition_registration>(static_cast<size_t>(t->partition_count), single_replica());
}

std::optional<partition_registration> local_metadata_store::partition_state(std::string_view topic,
                                                                            int32_t partition) const {
    auto t = get_topic(topic);
    if (!t || partition < 0 || partition >= t->partition_count) return std::nullopt;
    return single_replica();
}

void local_metadata_store::alter_isr(std::string topic, int32_t partition, protocol::node_id from_leader,
                                     protocol::leader_epoch leader_epoch, int32_t partition_epoch,
                                     std::vector<int32_t> new_isr, executor, partition_fn done) {
    auto current = partition_state(topic, partition);
    if (!current) {
        return done({error_code::unknown_topic_or_partition, "Unknown partition " + topic + "-" + std::to_string(partition)},
                    {});
    }
    op_result r = check_alter_isr(*current, from_leader.value(), leader_epoch.value(), partition_epoch, new_isr);
    // The only valid ISR is the one there is: an accepted request changes nothing.
    done(std::move(r), *current);
}

void local_metadata_store::elect_leader(std::string topic, int32_t partition, election_type type, executor,
                                        done_fn done) {
    auto current = partition_state(topic, partition);
    if (!current) {
        return done({error_code::unknown_topic_or_partition, "Unknown partition " + topic + "-" + std::to_string(partition)});
    }
    auto decision = decide_election(*current, {self_.id.value()}, type);
    // This broker is always the leader: there is never anything to write.
    done({decision.code, std::move(decision.message)});
}

void local_metadata_store::alter_reassignment(std::string topic, int32_t partition,
                                              std::optional<std::vector<int32_t>> target, executor, done_fn done) {
    auto current = partition_state(topic, partition);
    if (!current) {
        return done({error_code::unknown_topic_or_partition, "Unknown partition " + topic + "-" + std::to_string(partition)});
    }
    const std::set<int32_t> live{self_.id.value()};
    // The only valid target is [self], which is where the partition is: never anything to write.
    auto decision = target ? start_reassignment(*current, *target, live) : cancel_reassignment(*current, live);
    done(std::move(decision.error));
}

}  // namespace sluice::replication

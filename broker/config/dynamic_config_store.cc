#include "broker/config/dynamic_config_store.h"

#include <spdlog/spdlog.h>

#include "broker/config/config_error.h"

namespace sluice::broker {

namespace {

std::string level_key(const std::string& resource_name) {
    return resource_name.empty() ? std::string(cluster_default_key) : resource_name;
}

// Kafka's fromPersistentProps: a stored value this broker cannot use at that
// level (unreadable, no longer dynamic, a bad value) is logged and ignored,
// never a reason to stop.
config_layer usable(const replication::record_map& records, const std::string& key, bool per_broker) {
    config_layer out;
    auto it = records.find(key);
    if (it == records.end()) return out;
    auto props = decode_config_map(it->second);
    if (!props) {
        spdlog::error("dynamic configs: ignoring the unreadable stored level {}", key);
        return out;
    }
    for (const auto& [name, value] : *props) {
        if (auto r = validate_dynamic_broker_configs({{name, value}}, per_broker); !r.ok()) {
            spdlog::error("dynamic configs: ignoring {} at level {}: {}", name, key, r.message);
            continue;
        }
        out[name] = value;
    }
    return out;
}

}  // namespace

dynamic_config_store::dynamic_config_store(broker_config& config, replication::metadata_store& store,
                                           boost::asio::any_io_executor ex, std::function<void()> on_change)
    : config_(config), store_(store), ex_(std::move(ex)), on_change_(std::move(on_change)) {
    reload_broker_levels();
    reload_groups();
    watch_ = store_.watch_records(ex_, [this](const std::string& kind) {
        if (kind == broker_config_record_kind) {
            if (reload_broker_levels() && on_change_) on_change_();
        } else if (kind == group_config_record_kind) {
            reload_groups();
        }
    });
}

config_map dynamic_config_store::level(const std::string& resource_name) const {
    auto records = store_.records(broker_config_record_kind);
    auto it = records.find(level_key(resource_name));
    if (it == records.end()) return {};
    return decode_config_map(it->second).value_or(config_map{});
}

void dynamic_config_store::put_level(const std::string& resource_name, const config_map& props, done_fn done) {
    replication::record_changes changes;
    changes[level_key(resource_name)] =
        props.empty() ? std::nullopt : std::optional<std::string>(encode_config_map(props));
    store_.update_records(std::string(broker_config_record_kind), std::move(changes), ex_,
                          [this, done = std::move(done)](op_result r) {
                              // Applied here at once; other brokers follow the watch.
                              if (r.ok() && reload_broker_levels() && on_change_) on_change_();
                              done(std::move(r));
                          });
}

const config_map& dynamic_config_store::group(const std::string& group_id) const {
    static const config_map none;
    auto it = groups_.find(group_id);
    return it == groups_.end() ? none : it->second;
}

void dynamic_config_store::put_group(const std::string& group_id, const config_map& props, done_fn done) {
    replication::record_changes changes;
    changes[group_id] = props.empty() ? std::nullopt : std::optional<std::string>(encode_config_map(props));
    store_.update_records(std::string(group_config_record_kind), std::move(changes), ex_,
                          [this, done = std::move(done)](op_result r) {
                              if (r.ok()) reload_groups();
                              done(std::move(r));
                          });
}

bool dynamic_config_store::reload_broker_levels() {
    auto records = store_.records(broker_config_record_kind);
    auto defaults = usable(records, std::string(cluster_default_key), false);
    auto mine = usable(records, std::to_string(config_.node_id), true);
    if (defaults == config_.dynamic_default() && mine == config_.dynamic_broker()) return false;
    try {
        config_.set_dynamic(std::move(defaults), std::move(mine));
    } catch (const config_error& e) {
        spdlog::error("dynamic configs: the stored broker configs cannot be applied: {}", e.what());
        return false;
    }
    return true;
}

void dynamic_config_store::reload_groups() {
    groups_.clear();
    for (const auto& [id, value] : store_.records(group_config_record_kind)) {
        auto props = decode_config_map(value);
        if (!props) {
            spdlog::error("dynamic configs: ignoring the unreadable configs of group {}", id);
            continue;
        }
        groups_[id] = std::move(*props);
    }
}

}  // namespace sluice::broker

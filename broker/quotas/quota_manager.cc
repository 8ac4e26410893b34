// Client quota enforcement (quota_manager.h).
#include "broker/quotas/quota_manager.h"

#include <spdlog/spdlog.h>

namespace sluice::broker::quotas {

namespace {

// Sensors of clients gone quiet are dropped, as Kafka expires its sensors.
constexpr int64_t sensor_idle_ms = 3600 * 1000;

}  // namespace

std::string user_of(const std::string& principal) {
    auto colon = principal.find(':');
    return colon == std::string::npos ? principal : principal.substr(colon + 1);
}

quota_manager::quota_manager(replication::metadata_store& store, boost::asio::any_io_executor ex,
                             window_settings window)
    : store_(store), window_(window) {
    reload();
    watch_ = store_.watch_records(std::move(ex), [this](const std::string& kind) {
        if (kind == record_kind) reload();
    });
}

void quota_manager::reload() {
    configured_.clear();
    keys_in_use_.clear();
    for (const auto& [key, value] : store_.records(record_kind)) {
        auto entity = entity_from_key(key);
        auto values = values_from_json(value);
        if (!entity || !values) {
            spdlog::warn("quotas: ignoring an unreadable stored quota {}", key);
            continue;
        }
        for (const auto& [k, v] : *values) ++keys_in_use_[k];
        configured_[key] = configured_quota{std::move(*entity), std::move(*values)};
    }
}

int32_t quota_manager::record_produce(const std::string& principal, const std::optional<std::string>& client_id,
                                      size_t bytes, int64_t now_ms) {
    return record(producer_byte_rate, principal, client_id, static_cast<double>(bytes), now_ms);
}

int32_t quota_manager::record_fetch(const std::string& principal, const std::optional<std::string>& client_id,
                                    size_t bytes, int64_t now_ms) {
    return record(consumer_byte_rate, principal, client_id, static_cast<double>(bytes), now_ms);
}

int32_t quota_manager::mutation_debt(const std::string& principal, const std::optional<std::string>& client_id,
                                     int64_t now_ms) {
    return record(controller_mutation_rate, principal, client_id, 0, now_ms);
}

int32_t quota_manager::record_mutations(const std::string& principal, const std::optional<std::string>& client_id,
                                        int32_t partitions, int64_t now_ms) {
    return record(controller_mutation_rate, principal, client_id, partitions, now_ms);
}

// A request_percentage of 100 is one thread's whole time: 10^6 us of work
// per second, so the quota is scaled by 10^4 to a rate in microseconds.
int32_t quota_manager::record_request_time(const std::string& principal, const std::optional<std::string>& client_id,
                                           double micros, int64_t now_ms) {
    return record(request_percentage, principal, client_id, micros, now_ms, 10000.0);
}

int32_t quota_manager::record(std::string_view key, const std::string& principal,
                              const std::optional<std::string>& client_id, double amount, int64_t now_ms,
                              double scale) {
    if (!keys_in_use_.contains(key)) return 0;
    const std::string user = user_of(principal);
    const std::string client = client_id.value_or("");
    for (const quota_entity& e : lookup_order(user, client)) {
        auto it = configured_.find(entity_key(e));
        if (it == configured_.end()) continue;
        auto bound = it->second.values.find(std::string(key));
        if (bound == it->second.values.end()) continue;
        // The sensor of the clients this entity covers together.
        std::string sensor = std::string(key) + '\n' + (e.user ? user : "") + '\n' + (e.client_id ? client : "");
        auto& bucket = sensors_[std::move(sensor)];
        const int64_t t = bucket.take(amount, bound->second * scale, now_ms, window_);
        if (now_ms - last_sweep_ms_ > sensor_idle_ms) {
            last_sweep_ms_ = now_ms;
            std::erase_if(sensors_, [now_ms](const auto& kv) { return now_ms - kv.second.last_ms() > sensor_idle_ms; });
        }
        return static_cast<int32_t>(t);
    }
    return 0;
}

}  // namespace sluice::broker::quotas

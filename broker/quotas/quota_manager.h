#pragma once
// Client quotas as Kafka enforces them (KIP-13, KIP-55, KIP-219): per user
// and client id, a producer and a consumer byte rate; a client over its
// quota is answered at once with throttle_time_ms and its connection is
// then muted for that long (the connection does the muting).
//
// Quotas live in the metadata store (records of kind "quota",
// quota_entity.h) so every broker enforces the same ones; each broker
// measures its own traffic, as Kafka's brokers do (quota_bucket.h says how). Which quota applies
// follows Kafka's precedence (lookup_order); clients that share the
// matched entity share its sensor (a quota on a user covers all of the
// user's client ids together, a <default> client-id quota each client id
// alone).
//
// Cost: with no quota of a kind configured, recording is one branch.
//
// Threading: I/O thread only.
#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "broker/quotas/quota_entity.h"
#include "broker/quotas/quota_bucket.h"
#include "replication/metadata_store.h"

namespace sluice::broker::quotas {

inline constexpr std::string_view record_kind = "quota";

struct configured_quota {
    quota_entity entity;
    quota_values values;
};

class quota_manager {
public:
    quota_manager(replication::metadata_store& store, boost::asio::any_io_executor ex, window_settings window);

    // Records a produce request's bytes (or a fetch response's) for
    // `principal` ("User:name") and `client_id`; the throttle time in ms.
    int32_t record_produce(const std::string& principal, const std::optional<std::string>& client_id, size_t bytes,
                           int64_t now_ms);
    int32_t record_fetch(const std::string& principal, const std::optional<std::string>& client_id, size_t bytes,
                         int64_t now_ms);

    // controller_mutation_rate (mutation_quota.h): the throttle the client's
    // sensor already owes (0 if under its quota), and recording partitions
    // created or deleted (the throttle that leaves).
    int32_t mutation_debt(const std::string& principal, const std::optional<std::string>& client_id, int64_t now_ms);
    int32_t record_mutations(const std::string& principal, const std::optional<std::string>& client_id,
                             int32_t partitions, int64_t now_ms);
    // request_percentage: `micros` of I/O thread time spent on the client's
    // request; the throttle in ms. The quota is a percentage of one thread.
    int32_t record_request_time(const std::string& principal, const std::optional<std::string>& client_id,
                                double micros, int64_t now_ms);

    // The stored quotas, by entity key.
    const std::map<std::string, configured_quota>& configured() const { return configured_; }
    // Re-reads the store (also called on every change the store reports).
    void reload();

private:
    int32_t record(std::string_view key, const std::string& principal, const std::optional<std::string>& client_id,
                   double amount, int64_t now_ms, double scale = 1.0);

    replication::metadata_store& store_;
    window_settings window_;
    std::map<std::string, configured_quota> configured_;
    std::map<std::string, size_t, std::less<>> keys_in_use_;  // quota key -> entities setting it
    std::unordered_map<std::string, quota_bucket> sensors_;
    int64_t last_sweep_ms_ = 0;
    replication::metadata_store::subscription watch_;
};

// The user name of a principal ("User:alice" -> "alice"), as quota
// entities name users.
std::string user_of(const std::string& principal);

}  // namespace sluice::broker::quotas

#pragma once
// The broker: owns the configuration, the metadata store, the logs, the
// topics and the network server, and runs them on one executor.
//
// Threading: every handler, every partition and every connection lives on
// the broker's single I/O thread (no locks on the data path). Work that can
// block on the disk — fsyncs, checkpoints, unlinking segments, deleting a
// topic's directories, the file half of a cleaner swap — goes to the
// one-thread background pool (jobs run in the order posted) and reports back
// by posting to the I/O thread, naming partitions by incarnation
// (topics/partition_ref.h).
#include <cstdint>
#include <functional>
#include <memory>

#include "broker/config/broker_config.h"
#include "log/background.h"
#include "protocol/wire.h"

namespace boost::asio {
class io_context;
}

namespace sluice::replication {
class metadata_store;
}

namespace sluice::log {
class log_manager;
class partition_log;
}

namespace sluice::broker {

class topic_registry;
class dynamic_config_store;
class fetch_session_cache;
class server;
class log_cleaning;
namespace groups {
class coordinator;
}
namespace txn {
class producer_id_manager;
class coordinator;
}
namespace replica {
class cluster_roles;
class replication_throttle;
}
namespace quotas {
class quota_manager;
}
namespace security {
class authorizer;
}
namespace metrics {
class broker_metrics;
}
namespace http {
class http_server;
}
namespace schema_registry {
class registry_service;
}

class broker {
public:
    // Opens the data directories and recovers the logs. Throws on a startup
    // problem (unusable log dir, corrupt metadata).
    // `executor`, when set, replaces the background pool (tests queue the
    // jobs and run them when they choose).
    explicit broker(broker_config config, log::background_executor executor = {});
    ~broker();

    // Serves until stop(); returns after a clean shutdown.
    void run();
    // Safe from any thread (signal handlers go through the io_context). In
    // cluster mode with controlled.shutdown.enable, the broker first has its
    // leaderships moved (metadata_store::controlled_shutdown), serving
    // meanwhile, for at most controlled.shutdown.max.retries x
    // controlled.shutdown.retry.backoff.ms; then it stops.
    void stop();

    const broker_config& config() const { return config_; }
    boost::asio::io_context& io() { return *io_; }
    topic_registry& topics() { return *topics_; }
    replication::metadata_store& metadata() { return *store_; }
    log::log_manager& logs() { return *logs_; }
    fetch_session_cache& fetch_sessions() { return *fetch_sessions_; }
    groups::coordinator& groups() { return *groups_; }
    txn::producer_id_manager& producer_ids() { return *producer_ids_; }
    txn::coordinator& transactions() { return *transactions_; }
    log_cleaning& cleaning() { return *cleaning_; }
    quotas::quota_manager& quotas() { return *quotas_; }
    replica::replication_throttle& replication_throttle() { return *replication_throttle_; }
    // Cluster mode: the partitions' roles and the replica fetchers; null alone.
    const replica::cluster_roles* roles() const { return roles_.get(); }
    // Dynamic broker configs and group configs (config/dynamic_config_store.h).
    dynamic_config_store& dynamic_configs() { return *dynamic_configs_; }
    const security::authorizer& authorizer() const { return *authorizer_; }
    security::authorizer& authorizer() { return *authorizer_; }
    metrics::broker_metrics& metrics() { return *metrics_; }
    size_t connection_count() const;
    // The first HTTP listener's port; 0 with none (tests bind port 0).
    uint16_t http_port() const;
    // The schema registry (schema.registry.listeners); null with none.
    schema_registry::registry_service* schema_registry() { return schema_registry_.get(); }

    // Reads cold file slices into the page cache on the server's warmer
    // thread, then runs `done` on the I/O thread (never after the server stopped).
    void warm_page_cache(std::vector<protocol::file_slice> slices, std::function<void()> done);

    // Runs `work` on the background pool (blocking disk work).
    void post_background(std::function<void()> work);
    // flush.messages / flush.ms: if the partition is due, fsyncs it on the
    // background pool and records the new recovery point back here. Group
    // commit: while one flush of a partition is in flight no other is queued;
    // when it completes the next one (if due) covers every batch appended
    // meanwhile with one sync.
    void flush_if_due(const std::string& topic, int32_t partition);
    // Drops the segments retention (or DeleteRecords) has released; their
    // files are unlinked on the background pool.
    void enforce_retention(log::partition_log& log, int64_t now);

    // One pass of the retention timer (log.retention.check.interval.ms):
    // roll, retention, due flushes, then the checkpoints in the background.
    void run_retention();

    // The first bound port of the first listener (tests bind port 0).
    uint16_t bound_port() const;

private:
    void schedule_retention();
    void schedule_isr_check();
    void schedule_producer_expiry();  // producer.id.expiration.ms
    void stop_now();

    broker_config config_;
    std::unique_ptr<boost::asio::io_context> io_;
    std::unique_ptr<metrics::broker_metrics> metrics_;
    std::unique_ptr<replication::metadata_store> store_;
    std::unique_ptr<log::log_manager> logs_;
    std::unique_ptr<topic_registry> topics_;
    std::unique_ptr<fetch_session_cache> fetch_sessions_;
    std::unique_ptr<groups::coordinator> groups_;
    std::unique_ptr<txn::producer_id_manager> producer_ids_;
    std::unique_ptr<txn::coordinator> transactions_;
    std::unique_ptr<log_cleaning> cleaning_;
    std::unique_ptr<quotas::quota_manager> quotas_;
    std::unique_ptr<replica::replication_throttle> replication_throttle_;
    std::unique_ptr<dynamic_config_store> dynamic_configs_;
    std::unique_ptr<security::authorizer> authorizer_;
    std::unique_ptr<replica::cluster_roles> roles_;  // cluster mode only
    std::unique_ptr<server> server_;
    std::unique_ptr<http::http_server> http_;  // http.listeners (metrics, health)
    std::unique_ptr<schema_registry::registry_service> schema_registry_;
    struct background;
    std::unique_ptr<background> background_;
    bool stopping_ = false;
};

int64_t now_ms();

}  // namespace sluice::broker

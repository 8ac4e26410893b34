#include "broker/broker.h"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <filesystem>

#include "broker/config/config_def.h"
#include "broker/config/config_error.h"
#include "broker/config/dynamic_config_store.h"
#include "broker/fetch/fetch_session.h"
#include "broker/groups/coordinator.h"
#include "broker/http/console/api.h"
#include "broker/http/http_server.h"
#include "broker/http/key_follow.h"
#include "broker/http/key_records.h"
#include "broker/http/key_writes.h"
#include "broker/http/query.h"
#include "broker/http/readiness.h"
#include "broker/metrics/broker_metrics.h"
#include "broker/metrics/scrape.h"
#include "replication/etcd_metadata_store.h"
#include "replication/local_metadata_store.h"
#include "broker/config/config_def.h"
#include "broker/net/server.h"
#include "broker/quotas/quota_manager.h"
#include "broker/replica/replication_throttle.h"
#include "broker/replica/cluster_roles.h"
#include "broker/schema_registry/registry_service.h"
#include "broker/security/authorizer.h"
#include "broker/topics/log_cleaning.h"
#include "broker/topics/partition_ref.h"
#include "broker/topics/topic_registry.h"
#include "broker/txn/coordinator.h"
#include "broker/txn/producer_id_manager.h"
#include "log/log_manager.h"

namespace sluice::broker {

namespace asio = boost::asio;

struct broker::background {
    // One thread: jobs run one at a time, in the order posted (log/background.h).
    asio::thread_pool pool{1};
    log::background_executor injected;  // replaces the pool when set (tests)
    asio::steady_timer retention_timer;
    asio::steady_timer isr_timer;
    asio::steady_timer producer_expiry_timer;
    explicit background(asio::io_context& io) : retention_timer(io), isr_timer(io), producer_expiry_timer(io) {}
};

namespace {

groups::coordinator_settings coordinator_settings_of(const broker_config& c) {
    groups::coordinator_settings s;
    s.offsets_partitions = c.offsets_topic_num_partitions;
    s.min_session_timeout_ms = c.group_min_session_timeout_ms;
    s.max_session_timeout_ms = c.group_max_session_timeout_ms;
    s.initial_rebalance_delay_ms = c.group_initial_rebalance_delay_ms;
    s.offsets_retention_ms = int64_t{c.offsets_retention_minutes} * 60'000;
    if (auto v = c.value_of("offset.metadata.max.bytes")) s.max_metadata_bytes = std::stoi(*v);
    if (auto v = c.value_of("offsets.retention.check.interval.ms")) s.retention_check_interval_ms = std::stoll(*v);
    s.consumer_session_timeout_ms = c.group_consumer_session_timeout_ms;
    s.consumer_heartbeat_interval_ms = c.group_consumer_heartbeat_interval_ms;
    s.consumer_max_size = c.group_consumer_max_size;
    s.consumer_assignors = c.group_consumer_assignors;
    if (auto v = c.value_of("group.consumer.migration.policy")) {
        s.consumer_migration_policy = groups::parse_migration_policy(*v).value_or(s.consumer_migration_policy);
    }
    s.offsets_replication_factor = c.offsets_topic_replication_factor;
    if (auto v = c.value_of("offsets.commit.timeout.ms")) s.commit_timeout_ms = std::stoi(*v);
    s.cluster = c.metadata_etcd_endpoints.has_value();
    return s;
}

txn::coordinator_settings transaction_settings_of(const broker_config& c) {
    txn::coordinator_settings s;
    auto int_of = [&c](std::string_view name, auto& field) {
        if (auto v = c.value_of(name)) field = static_cast<std::remove_reference_t<decltype(field)>>(std::stoll(*v));
    };
    int_of("transaction.state.log.num.partitions", s.partitions);
    int_of("transaction.state.log.replication.factor", s.replication_factor);
    int_of("transaction.state.log.min.isr", s.min_isr);
    int_of("transaction.state.log.segment.bytes", s.segment_bytes);
    int_of("transaction.max.timeout.ms", s.max_timeout_ms);
    int_of("transactional.id.expiration.ms", s.id_expiration_ms);
    int_of("transaction.abort.timed.out.transaction.cleanup.interval.ms", s.abort_check_interval_ms);
    int_of("transaction.remove.expired.transaction.cleanup.interval.ms", s.expiry_check_interval_ms);
    s.cluster = c.metadata_etcd_endpoints.has_value();
    if (auto v = c.value_of("transaction.partition.verification.enable")) {
        s.verify_partitions = parse_bool(*v).value_or(true);
    }
    return s;
}

}  // namespace

int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

broker::broker(broker_config config, log::background_executor executor)
    : config_(std::move(config)),
      io_(std::make_unique<asio::io_context>(1)),
      metrics_(std::make_unique<metrics::broker_metrics>(config_.metrics_enabled)) {
    // Key stores and trust stores are read before anything else, so a bad
    // one stops startup before any file is touched.
    tls_contexts tls = make_tls_contexts(config_);
    inter_broker_settings(config_);  // refuses an inter-broker listener that is not there
    background_ = std::make_unique<background>(*io_);
    background_->injected = std::move(executor);
    auto to_background = [this](log::background_job job) { post_background(std::move(job)); };
    std::vector<std::filesystem::path> dirs(config_.log_dirs.begin(), config_.log_dirs.end());
    for (const auto& d : dirs) std::filesystem::create_directories(d);
    if (config_.metadata_etcd_endpoints) {
        replication::etcd_metadata_store::options etcd;
        etcd.endpoints = *config_.metadata_etcd_endpoints;
        etcd.prefix = config_.metadata_etcd_prefix;
        etcd.session_timeout = std::chrono::milliseconds(config_.metadata_etcd_session_timeout_ms);
        etcd.startup_timeout = std::chrono::milliseconds(config_.initial_broker_registration_timeout_ms);
        etcd.node_id = config_.node_id;
        for (const auto& l : config_.advertised_listeners) {
            etcd.listeners.push_back({l.name, l.host, l.port, l.security_protocol});
        }
        // The registry's address, for other brokers' registries to forward writes to.
        if (!config_.schema_registry_listeners.empty() && config_.schema_registry_listeners.front().port != 0) {
            const auto& r = config_.schema_registry_listeners.front();
            std::string host = r.host;
            if ((host.empty() || host == "0.0.0.0") && !config_.advertised_listeners.empty()) {
                host = config_.advertised_listeners.front().host;
            }
            etcd.listeners.push_back(
                {std::string(schema_registry::registry_endpoint_name), host, r.port, "PLAINTEXT"});
        }
        etcd.rack = config_.value_of("broker.rack");
        etcd.unclean_leader_election = config_.unclean_leader_election_enable;
        etcd.auto_leader_rebalance = config_.auto_leader_rebalance_enable;
        etcd.imbalance_check_interval = std::chrono::seconds(config_.leader_imbalance_check_interval_seconds);
        etcd.imbalance_percentage = config_.leader_imbalance_per_broker_percentage;
        // Runs the I/O context until the mirror is loaded: it is not serving yet.
        store_ = replication::etcd_metadata_store::open(*io_, etcd, config_.cluster_id);
    } else {
        replication::broker_node self{protocol::node_id(config_.node_id), "", 0, config_.value_of("broker.rack")};
        if (!config_.advertised_listeners.empty()) {
            self.host = config_.advertised_listeners.front().host;
            self.port = config_.advertised_listeners.front().port;
        }
        store_ = replication::local_metadata_store::open(dirs.front(), config_.cluster_id, std::move(self));
    }
    // Dynamic broker configs first: the logs open with the defaults in force.
    // A later change re-resolves every topic that does not override it.
    dynamic_configs_ = std::make_unique<dynamic_config_store>(config_, *store_, io_->get_executor(), [this] {
        if (topics_) topics_->broker_defaults_changed();
        // Checked before it was stored (config_resources.cc); a value that
        // still does not parse leaves the limits as they were.
        try {
            if (server_) server_->set_limits(connection_limits_of(config_));
        } catch (const config_error& e) {
            spdlog::error("dynamic configs: connection limits unchanged: {}", e.what());
        }
    });
    authorizer_ = std::make_unique<security::authorizer>(
        security::authorizer_settings{config_.authorizer_enabled, config_.super_users,
                                      config_.allow_everyone_if_no_acl_found},
        *store_, io_->get_executor());
    logs_ = std::make_unique<log::log_manager>(dirs, to_background);
    // Each topic's log settings come from its stored overrides on top of the
    // broker defaults.
    auto stored = store_->list_topics();
    logs_->load([&](const std::string& topic) {
        topic_config overrides;
        for (const auto& t : stored) {
            if (t.name == topic) overrides = t.configs;
        }
        return to_log_config(resolve_topic_settings(overrides, config_));
    });
    topics_ = std::make_unique<topic_registry>(config_, *store_, *logs_, io_->get_executor());
    topics_->load();
    // Directories no topic accounts for (a deleted topic's, when a crash
    // undid the rename that removes it) are set aside, never served.
    for (log::partition_log* l : logs_->all()) {
        const log::topic_partition tp = l->partition();  // a copy: set_aside destroys the log
        if (topics_->find(tp.topic, tp.partition) == nullptr) logs_->set_aside(tp);
    }
    fetch_sessions_ = std::make_unique<fetch_session_cache>();
    {
        auto settings = coordinator_settings_of(config_);
        settings.group_config = [this](const std::string& group, std::string_view name, int32_t fallback) {
            const auto& overrides = dynamic_configs_->group(group);
            return overrides.contains(name) ? group_config_int(overrides, name, config_) : fallback;
        };
        groups_ = std::make_unique<groups::coordinator>(*this, std::move(settings));
    }
    groups_->load();
    producer_ids_ = std::make_unique<txn::producer_id_manager>(*store_, io_->get_executor());
    transactions_ = std::make_unique<txn::coordinator>(*this, transaction_settings_of(config_));
    transactions_->load();
    quotas::window_settings window;
    if (auto v = config_.value_of("quota.window.num")) window.samples = std::stoi(*v);
    if (auto v = config_.value_of("quota.window.size.seconds")) window.sample_ms = std::stoll(*v) * 1000;
    quotas_ = std::make_unique<quotas::quota_manager>(*store_, io_->get_executor(), window);
    replication_throttle_ = std::make_unique<replica::replication_throttle>(config_);
    cleaning_ = std::make_unique<log_cleaning>(config_, *io_, *topics_, to_background);
    // However a topic goes (DeleteTopics here, or another broker's seen
    // through the store's watch), the cleaner forgets its partitions.
    topics_->on_drop([this](const topic_state& t) {
        for (const auto& p : t.partitions) cleaning_->forget({t.meta.name, p->index});
        if (roles_) roles_->forget(t);
    });
    if (config_.metadata_etcd_endpoints) roles_ = std::make_unique<replica::cluster_roles>(*this);
    const auto handshake_timeout = std::chrono::milliseconds(
        *parse_int(config_.value_of("sluice.ssl.handshake.timeout.ms").value_or(""), 1, INT32_MAX));
    server_ = std::make_unique<server>(*io_, *this, config_.listeners,
                                       static_cast<size_t>(config_.socket_request_max_bytes), std::move(tls),
                                       handshake_timeout, connection_limits_of(config_));
    if (!config_.http_listeners.empty()) {
        http::routes routes;
        routes.metrics = [this] { return metrics::render_metrics(*this); };
        routes.not_ready = [this] { return http::not_ready(*this); };
        if (config_.http_console_enable) {
            routes.console = [this](std::string_view method, std::string_view target, std::string body,
                                    http::routes::reply_fn reply) {
                http::console::serve(*this, method, target, std::move(body), std::move(reply));
            };
        }
        routes.keys = [this](std::string_view method, std::string_view target, http::routes::reply_fn reply) {
            http::serve_key_records(*this, method, target, std::move(reply));
        };
        routes.key_follow = [this](std::string_view target, std::optional<std::string_view> last_event_id,
                                   http::routes::reply_fn reply) {
            http::serve_key_follow(*this, target, last_event_id, std::move(reply));
        };
        routes.query = [this](std::string_view method, std::string body, http::routes::reply_fn reply) {
            http::serve_query(*this, method, std::move(body), std::move(reply));
        };
        routes.key_write = [this](std::string_view target, std::optional<std::string_view> if_match, std::string body,
                                  http::routes::reply_fn reply) {
            http::serve_key_write(*this, target, if_match, std::move(body), std::move(reply));
        };
        http_ = std::make_unique<http::http_server>(*io_, config_.http_listeners, std::move(routes),
                                                    std::chrono::milliseconds(config_.http_request_timeout_ms));
    }
    if (!config_.schema_registry_listeners.empty()) {
        schema_registry_ = std::make_unique<schema_registry::registry_service>(
            *this, config_.schema_registry_listeners, std::chrono::milliseconds(config_.http_request_timeout_ms),
            config_.schema_registry_basic_auth);
    }
    spdlog::info("sluiced node {} ready: cluster {}, {} topic(s)", config_.node_id, store_->cluster_id(),
                 topics_->all().size());
}

broker::~broker() = default;

void broker::run() {
    schedule_retention();
    schedule_isr_check();
    schedule_producer_expiry();
    groups_->start();
    transactions_->start();
    cleaning_->start();
    if (roles_) roles_->start();
    io_->run();
    background_->pool.join();
}

void broker::stop() {
    asio::post(*io_, [this] {
        if (stopping_) return;
        stopping_ = true;
        if (!roles_ || !config_.controlled_shutdown_enable) return stop_now();
        // Kafka bounds the wait by its retries; one announcement here, waited
        // on for the same total.
        auto bound = std::chrono::milliseconds(std::max<int64_t>(0, config_.controlled_shutdown_max_retries) *
                                               std::max<int64_t>(0, config_.controlled_shutdown_retry_backoff_ms));
        spdlog::info("controlled shutdown of node {}", config_.node_id);
        roles_->begin_controlled_shutdown();
        store_->controlled_shutdown(bound, [this](size_t) { stop_now(); });
    });
}

void broker::stop_now() {
    spdlog::info("shutting down");
    server_->stop();
    if (http_) http_->stop();
    if (schema_registry_) schema_registry_->stop();
    groups_->stop();
    transactions_->stop();
    cleaning_->stop();  // before the logs close
    if (roles_) roles_->stop();
    background_->retention_timer.cancel();
    background_->isr_timer.cancel();
    background_->producer_expiry_timer.cancel();
    background_->pool.join();  // pending deletions and flushes finish first
    logs_->shutdown();
    // Leaves the cluster at once (a cluster store revokes its session).
    store_->stop([this] { io_->stop(); });
}

uint16_t broker::bound_port() const { return server_->bound_port(); }
uint16_t broker::http_port() const { return http_ ? http_->bound_port() : 0; }
size_t broker::connection_count() const { return server_->connection_count(); }

void broker::warm_page_cache(std::vector<protocol::file_slice> slices, std::function<void()> done) {
    server_->warmer().warm(std::move(slices), io_->get_executor(), std::move(done));
}

void broker::post_background(std::function<void()> work) {
    if (background_->injected) {
        background_->injected(std::move(work));
    } else {
        asio::post(background_->pool, std::move(work));
    }
}

void broker::flush_if_due(const std::string& topic, int32_t index) {
    partition_state* p = topics_->find(topic, index);
    if (p == nullptr || p->flush_in_flight || !p->log->flush_due(now_ms())) return;
    p->flush_in_flight = true;
    auto job = std::make_shared<log::partition_log::flush_job>(p->log->prepare_flush());
    post_background([this, job, ref = ref_of(topic, *p)] {
        log::partition_log::run_flush(*job);
        asio::post(*io_, [this, job, ref] {
            // The topic may have been deleted (and even re-created, its new
            // log perhaps at the old one's address) meanwhile.
            partition_state* again = find_live(*topics_, ref);
            if (again == nullptr) return;
            again->flush_in_flight = false;
            again->log->complete_flush(*job, now_ms());
            flush_if_due(ref.topic, ref.partition);
        });
    });
}

void broker::schedule_retention() {
    auto interval = std::chrono::milliseconds(std::max<int64_t>(config_.log_retention_check_interval_ms, 10));
    background_->retention_timer.expires_after(interval);
    background_->retention_timer.async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        run_retention();
        schedule_retention();
    });
}

void broker::schedule_isr_check() {
    // Kafka's isr-expiration task runs at half the lag limit, so a follower
    // is dropped at most 1.5 limits after it fell behind.
    auto interval = std::chrono::milliseconds(std::max<int64_t>(config_.replica_lag_time_max_ms / 2, 10));
    background_->isr_timer.expires_after(interval);
    background_->isr_timer.async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        topics_->check_isr(now_ms());
        schedule_isr_check();
    });
}

void broker::schedule_producer_expiry() {
    auto interval = std::chrono::milliseconds(config_.producer_id_expiration_check_interval_ms);
    background_->producer_expiry_timer.expires_after(interval);
    background_->producer_expiry_timer.async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        const int64_t now = now_ms();
        for (auto& [name, topic] : topics_->all()) {
            for (auto& p : topic->partitions) p->log->expire_producers(now, config_.producer_id_expiration_ms);
        }
        schedule_producer_expiry();
    });
}

void broker::run_retention() {
    int64_t now = now_ms();
    for (auto& [name, topic] : topics_->all()) {
        for (auto& p : topic->partitions) {
            p->log->roll_if_due(now);
            enforce_retention(*p->log, now);
            // flush.ms also for partitions nobody produces to any more.
            flush_if_due(name, p->index);
        }
    }
    // Off the I/O thread. The pool runs it after the unlinks and flushes
    // posted above, so it never names a recovery point they have not made
    // durable (a crash in between only means more recovery); log_manager
    // serializes checkpoints, each reading its values as it writes. stop()
    // joins the pool before log_manager::shutdown writes the last one.
    post_background([this] {
        logs_->checkpoint();
        logs_->retry_deletions();
        cleaning_->write_checkpoints();
    });
}

void broker::enforce_retention(log::partition_log& log, int64_t now) {
    auto removed = log.apply_retention(now);
    if (removed.empty()) return;
    spdlog::info("retention removed {} segment(s) of {}; log start offset now {}", removed.size(),
                 log.partition().dir_name(), log.log_start_offset());
    post_background([removed = std::move(removed)] {
        for (auto& s : removed) s->remove_files();
    });
}

}  // namespace sluice::broker

#include "broker/replica/fetcher_options.h"

namespace sluice::broker::replica {

replication::replica_fetcher::options fetcher_options(const broker_config& config, int64_t broker_epoch) {
    replication::replica_fetcher::options o;
    o.replica_id = protocol::node_id(config.node_id);
    o.broker_epoch = broker_epoch;
    o.partition_max_bytes = config.replica_fetch_max_bytes;
    o.max_wait_ms = config.replica_fetch_wait_max_ms;
    o.min_bytes = config.replica_fetch_min_bytes;
    o.max_bytes = config.replica_fetch_response_max_bytes;
    o.backoff = std::chrono::milliseconds(config.replica_fetch_backoff_ms);
    o.request_timeout = std::chrono::milliseconds(config.replica_socket_timeout_ms);
    o.sasl = config.sasl.inter_broker_login;
    return o;
}

}  // namespace sluice::broker::replica

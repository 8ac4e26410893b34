#pragma once
// The replica fetchers' options from the broker's configuration: node.id is
// the replica id; replica.fetch.wait.max.ms, .min.bytes, .max.bytes (per
// partition), .response.max.bytes, .backoff.ms and replica.socket.timeout.ms
// (a request's timeout) as Kafka reads them; the caller may override any
// field. num.replica.fetchers goes to follower_fetchers (connections per
// source broker).
#include "broker/config/broker_config.h"
#include "replication/replica_fetcher.h"

namespace sluice::broker::replica {

replication::replica_fetcher::options fetcher_options(const broker_config& config, int64_t broker_epoch = -1);

}  // namespace sluice::broker::replica

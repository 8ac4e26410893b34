#pragma once
// The replica fetchers' options from the broker's configuration: node.id is
// the replica id, replica.fetch.max.bytes the per-partition limit. The other
// replica.* settings are not in broker_config yet, so they keep Kafka's
// defaults as replica_fetcher::options spells them (replica.fetch.wait.max.ms
// 500, .min.bytes 1, .response.max.bytes 10 MiB, .backoff.ms 1000,
// replica.socket.timeout.ms 30000); the caller may override any field.
#include "broker/config/broker_config.h"
#include "replication/replica_fetcher.h"

namespace sluice::broker::replica {

replication::replica_fetcher::options fetcher_options(const broker_config& config, int64_t broker_epoch = -1);

}  // namespace sluice::broker::replica

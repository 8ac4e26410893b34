#include "broker/replica/fetcher_options.h"

namespace sluice::broker::replica {

replication::replica_fetcher::options fetcher_options(const broker_config& config, int64_t broker_epoch) {
    replication::replica_fetcher::options o;
    o.replica_id = protocol::node_id(config.node_id);
    o.broker_epoch = broker_epoch;
    o.partition_max_bytes = config.replica_fetch_max_bytes;
    return o;
}

}  // namespace sluice::broker::replica

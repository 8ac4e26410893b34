#pragma once
// One etcd watch: a POST /v3/watch whose chunked answer streams one JSON
// message per event batch for as long as the connection lives.
#include <memory>

namespace sluice::replication::etcd {

class watch_stream {
public:
    virtual ~watch_stream() = default;
    // Closes the stream; no callback runs after this returns (on the executor).
    virtual void cancel() = 0;
};

}  // namespace sluice::replication::etcd

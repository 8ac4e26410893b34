#pragma once
// An asynchronous client of etcd's v3 API through its JSON gateway (HTTP/1.1
// with Boost.Beast; no gRPC). Every call runs on the executor given at
// construction and calls back there, exactly once, with a value or an error.
//
// Endpoints are tried in turn: a call that cannot connect to one moves on to
// the next and remembers the one that answered. A call that fails after its
// request went out is not retried (a transaction may have been applied):
// the caller re-reads and decides.
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "replication/etcd/etcd_types.h"

namespace sluice::replication::etcd {

struct endpoint {
    std::string host;
    std::string port;
};
// "http://host:port[,http://host:port...]"; throws std::invalid_argument
// (startup configuration) for anything else.
std::vector<endpoint> parse_endpoints(const std::string& list);

class watch_stream;

class client {
public:
    struct options {
        std::vector<endpoint> endpoints;
        std::chrono::milliseconds request_timeout{5000};
    };
    template <typename T>
    using callback = std::function<void(result<T>)>;

    client(boost::asio::any_io_executor executor, options opts);

    void range(std::string key, std::string range_end, callback<range_response> done);
    void put(put_op op, callback<header> done);
    void remove(delete_op op, callback<header> done);
    void txn(const txn_request& request, callback<txn_response> done);
    void lease_grant(int64_t ttl_seconds, callback<lease_grant_response> done);
    // The TTL left; 0 when the lease had already expired.
    void lease_keepalive(int64_t id, callback<int64_t> done);
    void lease_revoke(int64_t id, callback<header> done);

    // Watches [key, range_end) from `start_revision` (0: from now).
    // `on_message` gets every message, the first one with `created`;
    // `on_end` is called once when the stream ends for any reason but
    // cancel() (etcd gone, compaction, a bad message). The stream holds
    // itself alive until then.
    std::shared_ptr<watch_stream> watch(std::string key, std::string range_end, int64_t start_revision,
                                        std::function<void(const watch_response&)> on_message,
                                        std::function<void(const error&)> on_end);

    const options& settings() const { return options_; }

private:
    struct shared;
    boost::asio::any_io_executor executor_;
    options options_;
    std::shared_ptr<shared> shared_;
};

}  // namespace sluice::replication::etcd

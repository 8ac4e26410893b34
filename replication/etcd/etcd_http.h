#pragma once
// The one HTTP exchange every unary etcd call is: POST a JSON body to the
// first endpoint that accepts a connection, read the whole answer, parse it.
// Internal to replication/etcd.
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "replication/etcd/etcd_client.h"

namespace sluice::replication::etcd::detail {

// Which endpoint answered last: the next call starts there.
struct endpoint_choice {
    std::vector<endpoint> endpoints;
    std::atomic<size_t> preferred{0};
};

void post_json(boost::asio::any_io_executor executor, std::shared_ptr<endpoint_choice> choice, std::string path,
               std::string body, std::chrono::milliseconds timeout,
               std::function<void(result<boost::json::value>)> done);

}  // namespace sluice::replication::etcd::detail

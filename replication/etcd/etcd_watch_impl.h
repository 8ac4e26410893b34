#pragma once
// Starts a watch_stream (internal to replication/etcd).
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "replication/etcd/etcd_http.h"
#include "replication/etcd/etcd_watch.h"

namespace sluice::replication::etcd::detail {

std::shared_ptr<watch_stream> start_watch(boost::asio::any_io_executor executor,
                                          std::shared_ptr<endpoint_choice> choice, std::string body,
                                          std::chrono::milliseconds connect_timeout,
                                          std::function<void(const watch_response&)> on_message,
                                          std::function<void(const error&)> on_end);

}  // namespace sluice::replication::etcd::detail

#pragma once
// Sends a registry write to the leader's registry (Confluent's followers
// forward writes to the primary the same way) and hands back its answer.
// One connection per request, closed after it; the whole exchange bounded
// by `timeout`. I/O thread only; `done` is called once, on it.
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "broker/http/router.h"

namespace sluice::broker::schema_registry {

// Added to a forwarded request's query: the receiver answers it itself
// (50003 if it is not the leader either) rather than forwarding again.
inline constexpr std::string_view forwarded_parameter = "sluiceForwarded";

// nullopt when the leader could not be reached or answered nothing usable.
// `authorization`, when not empty, goes along as the Authorization header
// (the leader checks the client's credentials itself).
void forward(boost::asio::io_context& io, const std::string& host, uint16_t port, std::string method,
             std::string target, std::string body, std::string authorization, std::chrono::milliseconds timeout,
             std::function<void(std::optional<http::answer>)> done);

}  // namespace sluice::broker::schema_registry

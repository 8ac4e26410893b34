#pragma once
// The request bodies and response parsing of etcd's JSON gateway (grpc-gateway:
// int64s as strings, bytes as base64, fields at their default value left out).
// Pure functions, so the format is unit-tested without an etcd.
#include <string>

#include <boost/json/value.hpp>

#include "replication/etcd/etcd_types.h"

namespace sluice::replication::etcd::json {

std::string range_body(const std::string& key, const std::string& range_end);
std::string put_body(const put_op& op);
std::string delete_body(const delete_op& op);
std::string txn_body(const txn_request& txn);
std::string lease_grant_body(int64_t ttl_seconds);
std::string lease_id_body(int64_t id);  // keepalive and revoke
std::string watch_body(const std::string& key, const std::string& range_end, int64_t start_revision);

result<range_response> parse_range(const boost::json::value& v);
result<header> parse_header_only(const boost::json::value& v);
result<txn_response> parse_txn(const boost::json::value& v);
result<lease_grant_response> parse_lease_grant(const boost::json::value& v);
// The TTL left after a keepalive; 0 when the lease has expired.
result<int64_t> parse_keepalive(const boost::json::value& v);
// One message of a watch stream ({"result": {...}} or {"error": {...}}).
result<watch_response> parse_watch(const boost::json::value& v);
// The gateway's error body for a non-200 answer.
error parse_error(const boost::json::value& v, int http_status);

}  // namespace sluice::replication::etcd::json

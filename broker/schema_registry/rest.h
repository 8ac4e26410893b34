#pragma once
// The REST plumbing the registry's endpoints share: Confluent's JSON
// answers and error bodies, splitting a request target into decoded path
// segments and query parameters, and the version argument.
#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/http/router.h"

namespace sluice::broker::schema_registry {

inline constexpr std::string_view content_type = "application/vnd.schemaregistry.v1+json";

// Confluent's error codes; the HTTP status is the code's first three digits.
namespace errc {
inline constexpr int bad_request = 400;
inline constexpr int unauthorized = 401;
inline constexpr int not_found = 404;
inline constexpr int method_not_allowed = 405;
inline constexpr int conflict = 409;
inline constexpr int unsupported_media_type = 415;
inline constexpr int unprocessable = 422;
inline constexpr int subject_not_found = 40401;
inline constexpr int version_not_found = 40402;
inline constexpr int schema_not_found = 40403;
inline constexpr int subject_soft_deleted = 40404;
inline constexpr int subject_not_soft_deleted = 40405;
inline constexpr int version_soft_deleted = 40406;
inline constexpr int version_not_soft_deleted = 40407;
inline constexpr int subject_level_compatibility_not_configured = 40408;
inline constexpr int subject_level_mode_not_configured = 40409;
inline constexpr int invalid_schema = 42201;
inline constexpr int invalid_version = 42202;
inline constexpr int invalid_compatibility_level = 42203;
inline constexpr int invalid_mode = 42204;
inline constexpr int operation_not_permitted = 42205;
inline constexpr int reference_exists = 42206;
inline constexpr int id_does_not_match = 42207;
inline constexpr int invalid_subject = 42208;
inline constexpr int store_error = 50001;
inline constexpr int operation_timeout = 50002;
inline constexpr int forwarding_error = 50003;
inline constexpr int unknown_leader = 50004;
}  // namespace errc

// A request body's Content-Type Confluent accepts: its own two, JSON, or
// octet-stream (what a request without one is taken as).
bool accepted_content_type(std::string_view type);

http::answer json_answer(const boost::json::value& body, unsigned status = 200);
http::answer error_answer(int code, std::string message);

struct target {
    std::vector<std::string> path;  // percent-decoded segments
    std::map<std::string, std::string, std::less<>> query;
    bool flag(std::string_view name) const;  // ?name=true
};
// nullopt when a segment's escapes are malformed.
std::optional<target> parse_target(std::string_view raw);

// "latest", -1 (latest too) or 1..2^31-1; nullopt otherwise (42202).
// Latest is returned as 0.
std::optional<int32_t> parse_version(std::string_view v);
std::string invalid_version_message(std::string_view v);

}  // namespace sluice::broker::schema_registry

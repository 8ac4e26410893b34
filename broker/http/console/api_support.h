#pragma once
// The console API's plumbing, apart from the broker so it is unit-tested
// alone: the target split into percent-decoded path segments and query
// parameters, numeric parameters checked, and the answers (JSON bodies,
// errors named as Kafka names them with a fitting HTTP status).
#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/http/router.h"
#include "protocol/error_code.h"

namespace sluice::broker::http::console {

struct api_target {
    // After "/api/v1/", each segment percent-decoded: "a%2Fb" is the one
    // segment "a/b" (a name no topic can have), never two.
    std::vector<std::string> segments;
    std::map<std::string, std::string, std::less<>> query;
};

// nullopt with `error` set for a target outside /api/v1/ or badly encoded
// (a stray '%', an empty segment, a repeated parameter).
// `prefix` names another API's root (the per-key reads' "/v1/").
std::optional<api_target> parse_api_target(std::string_view target, std::string& error,
                                           std::string_view prefix = "/api/v1/");

// A decimal int64 in [min, max]; nullopt for anything else ("", "1x", "+1").
std::optional<int64_t> parse_int(std::string_view text, int64_t min, int64_t max);

// The HTTP status that fits a Kafka error: 404 for what does not exist,
// 409 for a conflict with the current state, 421 for "ask another broker",
// 416 for an offset outside the log, 400 for a bad request, 403 when
// refused, 503 when it may work later.
unsigned http_status_of(protocol::error_code e);

answer json_answer(unsigned status, const boost::json::value& v);
// {"error": "<KAFKA_NAME>", "message": ...}, status from http_status_of.
answer api_error(protocol::error_code e, std::string_view message);
answer api_error(unsigned status, protocol::error_code e, std::string_view message);
// 405 naming the methods the path serves.
answer method_not_allowed(std::string_view allow);

// Bytes for JSON: the text when valid UTF-8, else base64 with a flag, so a
// binary key never turns into mojibake or invalid JSON.
bool valid_utf8(std::string_view s);
std::string base64(std::string_view bytes);
// {"text": ...} or {"base64": ...}; null for none.
boost::json::value bytes_json(const std::optional<std::string_view>& b);

}  // namespace sluice::broker::http::console

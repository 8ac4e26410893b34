#pragma once
// Kafka's topic name rules (org.apache.kafka.common.internals.Topic).
#include <string_view>

#include "replication/op_result.h"

namespace sluice::replication {

inline constexpr size_t max_topic_name_length = 249;

// invalid_topic_exception unless `name` is 1..249 characters of
// [a-zA-Z0-9._-] and not "." or "..".
op_result validate_topic_name(std::string_view name);

// Whether two names would collide in metric names, where '.' and '_' are
// both written as '_' (Kafka refuses to create the second one).
bool topic_names_collide(std::string_view a, std::string_view b);

}  // namespace sluice::replication

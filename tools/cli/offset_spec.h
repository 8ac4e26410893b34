#pragma once
// The time arguments of `sluice groups reset-offsets`, parsed exactly as
// kafka-consumer-groups.sh reads them:
//   --to-datetime  yyyy-MM-ddTHH:mm:ss.SSS with an optional zone suffix
//                  (Z, +HH, +HHmm, +HH:mm, or the same with '-'); no suffix
//                  means UTC, as Kafka's Utils.getDateTime appends "Z".
//   --by-duration  java.time.Duration's ISO-8601 form PnDTnHnMn.nS, with an
//                  optional leading sign and signed components.
// Both return std::nullopt for text Kafka would refuse; the caller names the
// option in the message.
#include <cstdint>
#include <optional>
#include <string_view>

namespace sluice::tools {

// Milliseconds since the Unix epoch.
std::optional<int64_t> parse_kafka_datetime(std::string_view text);

// The duration in milliseconds (sub-millisecond fractions are truncated, as
// Instant.minus(...).toEpochMilli() does for a whole-millisecond clock).
std::optional<int64_t> parse_iso_duration_ms(std::string_view text);

}  // namespace sluice::tools

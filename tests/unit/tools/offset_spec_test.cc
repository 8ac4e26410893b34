// --to-datetime and --by-duration as kafka-consumer-groups.sh reads them:
// one case per accepted zone form and per shape Kafka refuses.
#include "tools/cli/offset_spec.h"

#include <gtest/gtest.h>

namespace sluice::tools {
namespace {

// 2024-02-29T12:34:56.789Z (a leap day).
constexpr int64_t leap_day_ms = 1709210096789;

TEST(kafka_datetime, no_zone_is_utc) { EXPECT_EQ(parse_kafka_datetime("2024-02-29T12:34:56.789"), leap_day_ms); }

TEST(kafka_datetime, z_suffix) { EXPECT_EQ(parse_kafka_datetime("2024-02-29T12:34:56.789Z"), leap_day_ms); }

TEST(kafka_datetime, zone_offsets_in_every_form) {
    EXPECT_EQ(parse_kafka_datetime("2024-02-29T14:34:56.789+02:00"), leap_day_ms);
    EXPECT_EQ(parse_kafka_datetime("2024-02-29T14:34:56.789+0200"), leap_day_ms);
    EXPECT_EQ(parse_kafka_datetime("2024-02-29T14:34:56.789+02"), leap_day_ms);
    EXPECT_EQ(parse_kafka_datetime("2024-02-29T07:04:56.789-05:30"), leap_day_ms);
}

TEST(kafka_datetime, epoch_and_short_fraction) {
    EXPECT_EQ(parse_kafka_datetime("1970-01-01T00:00:00.000"), 0);
    // SimpleDateFormat's SSS reads ".5" as 5 milliseconds, not 500.
    EXPECT_EQ(parse_kafka_datetime("1970-01-01T00:00:01.5"), 1005);
}

TEST(kafka_datetime, refuses_what_kafka_refuses) {
    for (const char* bad :
         {"", "2024-02-29", "2024-02-29T12:34:56", "2024-02-29 12:34:56.789", "2024-02-29T12:34:56.789X",
          "2024-02-29T12:34:56.789+2", "2024-02-29T12:34.789", "yesterday", "2024-02-29T12:34:56.789+02:00junk"}) {
        EXPECT_FALSE(parse_kafka_datetime(bad).has_value()) << bad;
    }
}

TEST(kafka_datetime, refuses_impossible_dates) {
    for (const char* bad : {"2023-02-29T00:00:00.000", "2024-13-01T00:00:00.000", "2024-01-32T00:00:00.000",
                            "2024-01-01T24:00:00.000", "2024-01-01T00:60:00.000", "2024-00-10T00:00:00.000"}) {
        EXPECT_FALSE(parse_kafka_datetime(bad).has_value()) << bad;
    }
}

TEST(iso_duration, components) {
    EXPECT_EQ(parse_iso_duration_ms("PT1H"), 3600000);
    EXPECT_EQ(parse_iso_duration_ms("PT30M"), 1800000);
    EXPECT_EQ(parse_iso_duration_ms("PT45S"), 45000);
    EXPECT_EQ(parse_iso_duration_ms("P1D"), 86400000);
    EXPECT_EQ(parse_iso_duration_ms("P1DT2H3M4S"), 86400000 + 7200000 + 180000 + 4000);
    EXPECT_EQ(parse_iso_duration_ms("PT0.5S"), 500);
    EXPECT_EQ(parse_iso_duration_ms("pt1h"), 3600000);  // Duration.parse ignores case
}

TEST(iso_duration, signs) {
    EXPECT_EQ(parse_iso_duration_ms("-PT1H"), -3600000);
    EXPECT_EQ(parse_iso_duration_ms("PT-1H"), -3600000);
    EXPECT_EQ(parse_iso_duration_ms("-PT-1H"), 3600000);
    EXPECT_EQ(parse_iso_duration_ms("PT1H-10M"), 3000000);
}

TEST(iso_duration, refuses_malformed) {
    for (const char* bad :
         {"", "P", "PT", "1H", "P1H", "PT1D", "PT1M1H", "P1DT", "PT1.5M", "PT1HX", "P1W", "PTH", "PT1H1H"}) {
        EXPECT_FALSE(parse_iso_duration_ms(bad).has_value()) << bad;
    }
}

}  // namespace
}  // namespace sluice::tools

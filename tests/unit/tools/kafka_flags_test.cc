// The Kafka-style flag parser behind tools/kafka/bin/*.sh, and the murmur2
// partitioner `sluice produce` shares with Kafka's Java producer.
#include "tools/cli/kafka_compat/kafka_flags.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/murmur2.h"

namespace sluice::tools::kafka_compat {
namespace {

const std::vector<flag> flags = {
    {"bootstrap-server", value_kind::required},  {"create", value_kind::none},   {"config", value_kind::required},
    {"compression-codec", value_kind::optional}, {"time", value_kind::required},
};

flag_values parse(std::vector<std::string> argv) { return parse_flags(flags, argv); }

std::string error_of(std::vector<std::string> argv) {
    try {
        parse(std::move(argv));
    } catch (const flag_error& e) {
        return e.what();
    }
    return "";
}

TEST(kafka_flags, space_and_equals_forms) {
    auto v = parse({"--bootstrap-server", "h:1", "--create", "--config=a=b", "--config", "c=d"});
    EXPECT_EQ(v.get("bootstrap-server"), "h:1");
    EXPECT_TRUE(v.has("create"));
    EXPECT_EQ(v.all("config"), (std::vector<std::string>{"a=b", "c=d"}));
    EXPECT_FALSE(v.has("time"));
    EXPECT_EQ(v.get("time"), std::nullopt);
}

TEST(kafka_flags, negative_number_is_a_value) { EXPECT_EQ(parse({"--time", "-2"}).get("time"), "-2"); }

TEST(kafka_flags, unknown_flag_is_named) {
    EXPECT_EQ(error_of({"--create", "--bootstrap-servers", "x"}), "bootstrap-servers is not a recognized option");
    EXPECT_EQ(error_of({"--creat"}), "creat is not a recognized option");  // no abbreviations, as Kafka's tools
    EXPECT_EQ(error_of({"--bogus=1"}), "bogus is not a recognized option");
}

TEST(kafka_flags, single_dash_and_stray_arguments_are_refused) {
    EXPECT_NE(error_of({"-b", "x"}).find("non-option argument '-b'"), std::string::npos);
    EXPECT_NE(error_of({"--create", "extra"}).find("non-option argument 'extra'"), std::string::npos);
}

TEST(kafka_flags, missing_and_unexpected_values) {
    EXPECT_EQ(error_of({"--bootstrap-server"}), "Option bootstrap-server requires an argument");
    // A required value is the next token even when it looks like a flag, as in joptsimple.
    EXPECT_EQ(parse({"--config", "--create"}).get("config"), "--create");
    EXPECT_EQ(error_of({"--create=yes"}), "Option create does not take an argument");
}

TEST(kafka_flags, optional_value) {
    auto bare = parse({"--compression-codec", "--create"});
    EXPECT_TRUE(bare.has("compression-codec"));
    EXPECT_EQ(bare.get("compression-codec"), std::nullopt);
    EXPECT_EQ(parse({"--compression-codec", "lz4"}).get("compression-codec"), "lz4");
}

TEST(kafka_flags, require_and_one_action) {
    auto v = parse({"--create"});
    EXPECT_THROW(v.require("bootstrap-server"), flag_error);
    EXPECT_EQ(one_action(v, {"create", "time"}), "create");
    EXPECT_THROW(one_action(parse({}), {"create", "time"}), flag_error);
    EXPECT_THROW(one_action(parse({"--create", "--time", "1"}), {"create", "time"}), flag_error);
}

TEST(kafka_flags, int_value_range) {
    EXPECT_EQ(int_value("12", "partitions", 1, 100), 12);
    EXPECT_THROW(int_value("0", "partitions", 1, 100), flag_error);
    EXPECT_THROW(int_value("1x", "partitions", 1, 100), flag_error);
    EXPECT_THROW(int_value("", "partitions", 1, 100), flag_error);
}

TEST(kafka_flags, usage_lists_every_flag) {
    std::string usage = usage_text("Tool.", flags);
    for (const auto& f : flags)
        EXPECT_NE(usage.find("--" + std::string(f.name)), std::string::npos);
    EXPECT_NE(usage.find("--compression-codec [String]"), std::string::npos);
}

}  // namespace
}  // namespace sluice::tools::kafka_compat

namespace sluice::tools {
namespace {

int32_t kafka_murmur2(std::string_view s) {
    return static_cast<int32_t>(protocol::murmur2(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

// Kafka's own test vectors (UtilsTest.testMurmur2).
TEST(murmur2, matches_kafka) {
    EXPECT_EQ(kafka_murmur2("21"), -973932308);
    EXPECT_EQ(kafka_murmur2("foobar"), -790332482);
    EXPECT_EQ(kafka_murmur2("a-little-bit-long-string"), -985981536);
    EXPECT_EQ(kafka_murmur2("a-little-bit-longer-string"), -1486304829);
    EXPECT_EQ(kafka_murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
    EXPECT_EQ(kafka_murmur2("abc"), 479470107);
}

TEST(murmur2, partition_is_positive_modulo) {
    const std::vector<uint8_t> key{'f', 'o', 'o', 'b', 'a', 'r'};
    EXPECT_EQ(protocol::partition_for_key(key, 7), static_cast<int32_t>((static_cast<uint32_t>(-790332482) & 0x7fffffffU) % 7));
}

}  // namespace
}  // namespace sluice::tools

// Broker-side schema-id validation: the wire-format check against a
// registry state fed by the API's own writes, and the produce-side walk
// over plain and compressed batches.
#include "broker/schema_registry/schema_id_check.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "broker/handlers/produce_schema_ids.h"
#include "broker/schema_registry/api.h"
#include "protocol/record_batch.h"

namespace sluice::broker::schema_registry {
namespace {

namespace json = boost::json;

const char* schema_a = R"({"type":"object","properties":{"a":{"type":"integer"}}})";
const char* schema_b = R"({"type":"object","properties":{"b":{"type":"string"}}})";

std::string framed(int32_t id, std::string_view rest = "{}") {
    std::string out(1, '\0');
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<char>((static_cast<uint32_t>(id) >> shift) & 0xff));
    out += rest;
    return out;
}

protocol::bytes bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

class SchemaIdCheck : public ::testing::Test {
protected:
    http::answer call(std::string_view method, std::string_view target, std::string body = "") {
        plan p = route(method, target, std::move(body)).run(state_);
        for (const auto& r : p.records)
            EXPECT_TRUE(state_.apply(r.key, r.value)) << r.key;
        return p.reply;
    }
    int32_t register_json(std::string_view subject, std::string_view schema) {
        auto a = call("POST", "/subjects/" + std::string(subject) + "/versions",
                      json::serialize(json::object{{"schema", schema}, {"schemaType", "JSON"}}));
        EXPECT_EQ(a.status, 200u) << a.body;
        return static_cast<int32_t>(json::parse(a.body).at("id").as_int64());
    }
    schema_id_problem problem(std::string_view subject, std::string_view payload) {
        return check_schema_id(state_, subject, payload).problem;
    }
    registry_state state_;
};

TEST_F(SchemaIdCheck, AcceptsAnIdOfTheSubject) {
    const int32_t a = register_json("t-value", schema_a);
    const int32_t b = register_json("t-value", R"({"type":"object"})");
    EXPECT_EQ(problem("t-value", framed(a)), schema_id_problem::none);
    EXPECT_EQ(problem("t-value", framed(b)), schema_id_problem::none);      // any version, not only the latest
    EXPECT_EQ(problem("t-value", framed(a, "")), schema_id_problem::none);  // the payload is not looked at
}

TEST_F(SchemaIdCheck, RefusesEachShape) {
    const int32_t a = register_json("t-value", schema_a);
    const int32_t other = register_json("u-value", schema_b);
    EXPECT_EQ(problem("t-value", ""), schema_id_problem::too_short);
    EXPECT_EQ(problem("t-value", framed(a).substr(0, 4)), schema_id_problem::too_short);
    std::string wrong = framed(a);
    wrong[0] = 1;
    EXPECT_EQ(problem("t-value", wrong), schema_id_problem::wrong_magic);
    EXPECT_EQ(problem("t-value", "plain text"), schema_id_problem::wrong_magic);
    EXPECT_EQ(problem("t-value", framed(999)), schema_id_problem::unknown_id);
    EXPECT_EQ(problem("t-value", framed(-1)), schema_id_problem::unknown_id);
    EXPECT_EQ(problem("t-value", framed(other)), schema_id_problem::not_in_subject);
    EXPECT_EQ(problem("t-key", framed(a)), schema_id_problem::not_in_subject);  // subject without versions
    auto v = check_schema_id(state_, "t-value", framed(other));
    EXPECT_EQ(v.id, other);
    EXPECT_NE(describe(v, "value", "t-value").find("not registered under subject 't-value'"), std::string::npos);
}

TEST_F(SchemaIdCheck, SoftDeletedCountsPermanentlyDeletedDoesNot) {
    const int32_t a = register_json("t-value", schema_a);
    ASSERT_EQ(call("DELETE", "/subjects/t-value/versions/1").status, 200u);
    EXPECT_EQ(problem("t-value", framed(a)), schema_id_problem::none);
    ASSERT_EQ(call("DELETE", "/subjects/t-value/versions/1?permanent=true").status, 200u);
    EXPECT_EQ(problem("t-value", framed(a)), schema_id_problem::unknown_id);
}

TEST_F(SchemaIdCheck, SchemaSharedWithAnotherSubjectCountsForBoth) {
    const int32_t a = register_json("t-value", schema_a);
    EXPECT_EQ(register_json("u-value", schema_a), a);
    EXPECT_EQ(problem("u-value", framed(a)), schema_id_problem::none);
}

class ProduceSchemaIds : public SchemaIdCheck {
protected:
    schema_id_refusal check(const std::vector<protocol::record>& records, bool key, bool value,
                            protocol::compression codec = protocol::compression::none) {
        topic_settings s{};
        s.key_schema_validation = key;
        s.value_schema_validation = value;
        protocol::batch_builder_options o;
        o.codec = codec;
        auto batch = protocol::build_batch(records, o);
        bool stale = false;
        return check_schema_ids(state_, batch, s, "t", stale);
    }
    static protocol::record rec(int64_t offset, std::optional<std::string> key, std::optional<std::string> value) {
        protocol::record r;
        r.offset = offset;
        if (key) r.key = bytes_of(*key);
        if (value) r.value = bytes_of(*value);
        return r;
    }
};

TEST_F(ProduceSchemaIds, AcceptsGoodRecordsAndTombstones) {
    const int32_t a = register_json("t-value", schema_a);
    auto r =
        check({rec(0, std::nullopt, framed(a)), rec(1, "k", std::nullopt), rec(2, "raw key", framed(a))}, false, true);
    EXPECT_EQ(r.code, protocol::error_code::none);
    EXPECT_TRUE(r.record_errors.empty());
}

TEST_F(ProduceSchemaIds, NamesEveryRefusedRecord) {
    const int32_t a = register_json("t-value", schema_a);
    const int32_t other = register_json("u-value", schema_b);
    auto r = check({rec(0, std::nullopt, framed(a)), rec(1, std::nullopt, "raw"), rec(2, std::nullopt, framed(other)),
                    rec(3, std::nullopt, framed(a)), rec(4, std::nullopt, framed(77))},
                   false, true);
    EXPECT_EQ(r.code, protocol::error_code::invalid_record);
    ASSERT_EQ(r.record_errors.size(), 3u);
    EXPECT_EQ(r.record_errors[0].batch_index, 1);
    EXPECT_EQ(r.record_errors[1].batch_index, 2);
    EXPECT_EQ(r.record_errors[2].batch_index, 4);
    EXPECT_NE(r.record_errors[0].batch_index_error_message->find("magic byte"), std::string::npos);
    EXPECT_NE(r.record_errors[2].batch_index_error_message->find("schema id 77, which is not registered"),
              std::string::npos);
    ASSERT_TRUE(r.message);
    EXPECT_NE(r.message->find("3 record errors"), std::string::npos);
}

TEST_F(ProduceSchemaIds, KeysCheckedOnlyWhenAsked) {
    const int32_t v = register_json("t-value", schema_a);
    const int32_t k = register_json("t-key", schema_b);
    EXPECT_EQ(check({rec(0, "raw", framed(v))}, false, true).code, protocol::error_code::none);
    auto r =
        check({rec(0, "raw", framed(v)), rec(1, framed(k), framed(v)), rec(2, std::nullopt, framed(v))}, true, true);
    ASSERT_EQ(r.record_errors.size(), 1u);
    EXPECT_EQ(r.record_errors[0].batch_index, 0);
    EXPECT_NE(r.record_errors[0].batch_index_error_message->find("key"), std::string::npos);
    // Key only: raw values pass; the value id used as a key is outside t-key.
    r = check({rec(0, framed(k), "raw"), rec(1, framed(v), "raw")}, true, false);
    ASSERT_EQ(r.record_errors.size(), 1u);
    EXPECT_EQ(r.record_errors[0].batch_index, 1);
}

TEST_F(ProduceSchemaIds, CompressedBatches) {
    const int32_t a = register_json("t-value", schema_a);
    for (auto codec : {protocol::compression::gzip, protocol::compression::snappy, protocol::compression::lz4,
                       protocol::compression::zstd}) {
        EXPECT_EQ(check({rec(0, std::nullopt, framed(a)), rec(1, std::nullopt, framed(a))}, false, true, codec).code,
                  protocol::error_code::none);
        auto r = check({rec(0, std::nullopt, framed(a)), rec(1, std::nullopt, "x")}, false, true, codec);
        ASSERT_EQ(r.record_errors.size(), 1u) << static_cast<int>(codec);
        EXPECT_EQ(r.record_errors[0].batch_index, 1);
    }
}

TEST_F(ProduceSchemaIds, StaleStateIsReported) {
    topic_settings s{};
    s.value_schema_validation = true;
    auto batch = protocol::build_batch({rec(0, std::nullopt, framed(1))}, {});
    bool stale = false;
    EXPECT_EQ(check_schema_ids(state_, batch, s, "t", stale).code, protocol::error_code::invalid_record);
    EXPECT_TRUE(stale);
    batch = protocol::build_batch({rec(0, std::nullopt, "raw")}, {});
    check_schema_ids(state_, batch, s, "t", stale);
    EXPECT_FALSE(stale);  // a malformed record is refused whatever the registry learns
}

}  // namespace
}  // namespace sluice::broker::schema_registry

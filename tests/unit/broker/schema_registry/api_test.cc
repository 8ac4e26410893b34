// The REST API against a state fed only by the records its own writes
// plan, as `_schemas` would feed it: statuses, Confluent error codes and
// bodies, ids and versions.
#include "broker/schema_registry/api.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "broker/schema_registry/rest.h"

namespace sluice::broker::schema_registry {
namespace {

namespace json = boost::json;

const char* v1 = R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"}]})";
const char* v2 =
    R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"string","default":""}]})";
const char* bad = R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"string"}]})";

std::string body_of(std::string_view schema) { return json::serialize(json::object{{"schema", schema}}); }

class SchemaRegistryApi : public ::testing::Test {
protected:
    http::answer call(std::string_view method, std::string_view target, std::string body = "") {
        plan p = route(method, target, std::move(body)).run(state_);
        for (const auto& r : p.records) {
            EXPECT_TRUE(state_.apply(r.key, r.value)) << r.key;
            log_.push_back(r);
        }
        return p.reply;
    }
    json::value call_json(std::string_view method, std::string_view target, std::string body = "",
                          unsigned status = 200) {
        auto a = call(method, target, std::move(body));
        EXPECT_EQ(a.status, status) << method << " " << target << ": " << a.body;
        return json::parse(a.body);
    }
    int64_t error_code(std::string_view method, std::string_view target, std::string body = "") {
        auto a = call(method, target, std::move(body));
        auto v = json::parse(a.body);
        const int64_t code = v.at("error_code").as_int64();
        EXPECT_EQ(a.status, code >= 1000 ? code / 100 : code) << a.body;
        EXPECT_TRUE(v.at("message").is_string());
        return code;
    }
    int64_t register_schema(std::string_view subject, std::string_view schema) {
        return call_json("POST", "/subjects/" + std::string(subject) + "/versions", body_of(schema))
            .at("id")
            .as_int64();
    }

    registry_state state_;
    std::vector<schemas_record> log_;
};

TEST_F(SchemaRegistryApi, RegisterListAndRead) {
    EXPECT_EQ(register_schema("t-value", v1), 1);
    EXPECT_EQ(register_schema("t-value", v1), 1);  // again: same id, nothing written
    EXPECT_EQ(log_.size(), 1u);
    EXPECT_EQ(register_schema("t-value", v2), 2);
    EXPECT_EQ(register_schema("other", v1), 1);  // same schema elsewhere keeps its id
    EXPECT_EQ(json::serialize(call_json("GET", "/subjects")), R"(["other","t-value"])");
    EXPECT_EQ(json::serialize(call_json("GET", "/subjects/t-value/versions")), "[1,2]");
    auto latest = call_json("GET", "/subjects/t-value/versions/latest");
    EXPECT_EQ(latest.at("version").as_int64(), 2);
    EXPECT_EQ(latest.at("id").as_int64(), 2);
    EXPECT_EQ(latest.at("subject").as_string(), "t-value");
    EXPECT_EQ(call_json("GET", "/subjects/t-value/versions/-1").at("version").as_int64(), 2);
    EXPECT_EQ(call("GET", "/subjects/t-value/versions/1/schema").body, v1);
    EXPECT_EQ(call_json("GET", "/schemas/ids/2").at("schema").as_string(), v2);
    EXPECT_EQ(json::serialize(call_json("GET", "/schemas/ids/1/subjects")), R"(["other","t-value"])");
    EXPECT_EQ(json::serialize(call_json("GET", "/schemas/ids/1/versions")),
              R"([{"subject":"other","version":1},{"subject":"t-value","version":1}])");
    EXPECT_EQ(json::serialize(call_json("GET", "/schemas/types")), R"(["JSON","PROTOBUF","AVRO"])");
    auto found = call_json("POST", "/subjects/t-value", body_of(v1));
    EXPECT_EQ(found.at("version").as_int64(), 1);
    EXPECT_EQ(found.at("id").as_int64(), 1);
}

TEST_F(SchemaRegistryApi, RecordsAreConfluentsFormat) {
    register_schema("s", v1);
    ASSERT_EQ(log_.size(), 1u);
    EXPECT_EQ(log_[0].key, R"({"keytype":"SCHEMA","subject":"s","version":1,"magic":1})");
    EXPECT_EQ(*log_[0].value, json::serialize(json::object{
                                  {"subject", "s"}, {"version", 1}, {"id", 1}, {"schema", v1}, {"deleted", false}}));
    call("PUT", "/config", R"({"compatibility":"FULL"})");
    EXPECT_EQ(log_.back().key, R"({"keytype":"CONFIG","subject":null,"magic":0})");
    EXPECT_EQ(*log_.back().value, R"({"compatibilityLevel":"FULL"})");
    call("DELETE", "/subjects/s");
    EXPECT_EQ(log_.back().key, R"({"keytype":"DELETE_SUBJECT","subject":"s","magic":0})");
    EXPECT_EQ(*log_.back().value, R"({"subject":"s","version":1})");
    call("DELETE", "/subjects/s?permanent=true");
    EXPECT_EQ(log_.back().key, R"({"keytype":"SCHEMA","subject":"s","version":1,"magic":1})");
    EXPECT_FALSE(log_.back().value);
}

TEST_F(SchemaRegistryApi, IncompatibleIs409AndCompatibilityEndpointAgrees) {
    register_schema("s", v1);
    EXPECT_EQ(error_code("POST", "/subjects/s/versions", body_of(bad)), 409);
    EXPECT_FALSE(
        call_json("POST", "/compatibility/subjects/s/versions/latest", body_of(bad)).at("is_compatible").as_bool());
    EXPECT_TRUE(call_json("POST", "/compatibility/subjects/s/versions/1", body_of(v2)).at("is_compatible").as_bool());
    auto verbose = call_json("POST", "/compatibility/subjects/s/versions/latest?verbose=true", body_of(bad));
    EXPECT_FALSE(verbose.at("messages").as_array().empty());
    call("PUT", "/config/s", R"({"compatibility":"NONE"})");
    EXPECT_EQ(register_schema("s", bad), 2);
}

TEST_F(SchemaRegistryApi, ErrorCodes) {
    EXPECT_EQ(error_code("GET", "/subjects/nope/versions"), 40401);
    EXPECT_EQ(error_code("GET", "/subjects/nope/versions/1"), 40401);
    register_schema("s", v1);
    EXPECT_EQ(error_code("GET", "/subjects/s/versions/7"), 40402);
    EXPECT_EQ(error_code("GET", "/subjects/s/versions/0"), 42202);
    EXPECT_EQ(error_code("GET", "/subjects/s/versions/first"), 42202);
    EXPECT_EQ(error_code("GET", "/schemas/ids/99"), 40403);
    EXPECT_EQ(error_code("GET", "/schemas/ids/x"), 40403);
    EXPECT_EQ(error_code("POST", "/subjects/s", body_of(v2)), 40403);
    EXPECT_EQ(error_code("POST", "/subjects/s/versions", body_of(R"({"type":"nonsense"})")), 42201);
    EXPECT_EQ(error_code("POST", "/subjects/s/versions", "{not json"), 400);
    EXPECT_EQ(error_code("POST", "/subjects/s/versions", R"({"schema":"\"int\"","schemaType":"XML"})"), 42201);
    EXPECT_EQ(error_code("POST", "/subjects/s/versions", R"({"schema":42})"), 422);
    EXPECT_EQ(error_code("POST", "/subjects/s/versions", "{}"), 42201);
    std::string deep = R"("int")";
    for (int i = 0; i < 40; ++i)
        deep = R"({"type":"array","items":)" + deep + "}";
    EXPECT_EQ(error_code("POST", "/subjects/s/versions", body_of(deep)), 42201);  // past the depth limit
    EXPECT_EQ(error_code("POST", "/subjects/s/versions", std::string(100, '[') + std::string(100, ']')), 400);
    EXPECT_EQ(error_code("PUT", "/config", R"({"compatibility":"SIDEWAYS"})"), 42203);
    EXPECT_EQ(error_code("PUT", "/mode", R"({"mode":"WRITEONLY"})"), 42204);
    EXPECT_EQ(error_code("GET", "/config/s"), 40408);
    EXPECT_EQ(error_code("GET", "/nowhere"), 404);
    EXPECT_EQ(error_code("POST", "/subjects/a%01b/versions", body_of(v1)), 42208);
    EXPECT_EQ(error_code("PATCH", "/subjects"), 405);
    EXPECT_EQ(error_code("POST", "/subjects/s/versions",
                         R"({"schema":"\"int\"","references":[{"name":"x","subject":"missing","version":1}]})"),
              42201);
}

TEST_F(SchemaRegistryApi, ConfigAndMode) {
    EXPECT_EQ(call_json("GET", "/config").at("compatibilityLevel").as_string(), "BACKWARD");
    EXPECT_EQ(call_json("PUT", "/config", R"({"compatibility":"forward"})").at("compatibility").as_string(), "FORWARD");
    EXPECT_EQ(call_json("GET", "/config/s?defaultToGlobal=true").at("compatibilityLevel").as_string(), "FORWARD");
    call("PUT", "/config/s", R"({"compatibility":"FULL_TRANSITIVE"})");
    EXPECT_EQ(call_json("GET", "/config/s").at("compatibilityLevel").as_string(), "FULL_TRANSITIVE");
    EXPECT_EQ(call_json("DELETE", "/config/s").at("compatibilityLevel").as_string(), "FULL_TRANSITIVE");
    EXPECT_EQ(error_code("GET", "/config/s"), 40408);
    EXPECT_EQ(call_json("GET", "/mode").at("mode").as_string(), "READWRITE");
    call("PUT", "/mode", R"({"mode":"READONLY"})");
    EXPECT_EQ(error_code("POST", "/subjects/s/versions", body_of(v1)), 42205);
    call("PUT", "/mode", R"({"mode":"READWRITE"})");
    register_schema("s", v1);
    EXPECT_EQ(error_code("PUT", "/mode", R"({"mode":"IMPORT"})"), 42205);  // not empty
}

TEST_F(SchemaRegistryApi, ImportModeKeepsGivenIdsAndVersions) {
    call("PUT", "/mode", R"({"mode":"IMPORT"})");
    const std::string with_id = json::serialize(json::object{{"schema", v1}, {"id", 100}, {"version", 3}});
    EXPECT_EQ(call_json("POST", "/subjects/s/versions", with_id).at("id").as_int64(), 100);
    EXPECT_EQ(call_json("GET", "/subjects/s/versions/latest").at("version").as_int64(), 3);
    EXPECT_EQ(error_code("POST", "/subjects/s/versions", body_of(v2)), 42205);  // not in read-write mode
    EXPECT_EQ(error_code("POST", "/subjects/s/versions", json::serialize(json::object{{"schema", v1}, {"id", 7}})),
              42207);  // known as 100
    EXPECT_EQ(error_code("POST", "/subjects/t/versions", json::serialize(json::object{{"schema", v2}, {"id", 100}})),
              42205);  // id taken
    EXPECT_EQ(error_code("POST", "/subjects/s/versions", json::serialize(json::object{{"schema", v2}, {"version", 3}})),
              42205);  // version taken
    call("PUT", "/mode", R"({"mode":"READWRITE"})");
    EXPECT_EQ(error_code("POST", "/subjects/s/versions", with_id), 42205);  // not in import mode
    EXPECT_EQ(register_schema("u", R"("string")"), 101);                    // after the highest imported id
}

TEST_F(SchemaRegistryApi, SoftDeletesDropTheSubjectsSettings) {
    register_schema("s", v1);
    call("PUT", "/config/s", R"({"compatibility":"NONE"})");
    call("DELETE", "/subjects/s");
    EXPECT_EQ(error_code("GET", "/config/s"), 40408);
    register_schema("t", v1);
    call("PUT", "/mode/t", R"({"mode":"READWRITE"})");
    call("DELETE", "/subjects/t/versions/1");  // its last live version
    EXPECT_EQ(error_code("GET", "/mode/t"), 40409);
}

TEST_F(SchemaRegistryApi, SoftAndPermanentDeletes) {
    register_schema("s", v1);
    register_schema("s", v2);
    EXPECT_EQ(error_code("DELETE", "/subjects/s/versions/1?permanent=true"), 40407);
    EXPECT_EQ(call_json("DELETE", "/subjects/s/versions/1").as_int64(), 1);
    EXPECT_EQ(error_code("DELETE", "/subjects/s/versions/1"), 40402);  // hidden once soft-deleted
    EXPECT_EQ(json::serialize(call_json("GET", "/subjects/s/versions")), "[2]");
    EXPECT_EQ(json::serialize(call_json("GET", "/subjects/s/versions?deleted=true")), "[1,2]");
    EXPECT_EQ(call_json("GET", "/schemas/ids/1").at("schema").as_string(), v1);  // ids stay readable
    EXPECT_EQ(call_json("DELETE", "/subjects/s/versions/1?permanent=true").as_int64(), 1);
    EXPECT_EQ(error_code("GET", "/schemas/ids/1"), 40403);
    EXPECT_EQ(error_code("DELETE", "/subjects/s?permanent=true"), 40405);
    EXPECT_EQ(json::serialize(call_json("DELETE", "/subjects/s")), "[2]");
    EXPECT_EQ(error_code("DELETE", "/subjects/s"), 40404);
    EXPECT_EQ(error_code("GET", "/subjects/s/versions"), 40401);
    EXPECT_EQ(json::serialize(call_json("GET", "/subjects?deleted=true")), R"(["s"])");
    EXPECT_EQ(json::serialize(call_json("GET", "/subjects")), "[]");
    // A new registration continues the numbering; the id is new (never reused).
    EXPECT_EQ(register_schema("s", R"("string")"), 3);
    EXPECT_EQ(call_json("GET", "/subjects/s/versions/latest").at("version").as_int64(), 3);
    call("DELETE", "/subjects/s");
    EXPECT_EQ(json::serialize(call_json("DELETE", "/subjects/s?permanent=true")), "[2,3]");
    EXPECT_EQ(error_code("GET", "/subjects/s/versions?deleted=true"), 40401);
    EXPECT_EQ(register_schema("t", R"("bytes")"), 4);
}

TEST_F(SchemaRegistryApi, ReferencesAreStoredResolvedAndProtected) {
    register_schema("customer",
                    R"({"type":"record","name":"Customer","namespace":"x","fields":[{"name":"id","type":"long"}]})");
    const std::string order = json::serialize(json::object{
        {"schema", R"({"type":"record","name":"Order","fields":[{"name":"c","type":"x.Customer"}]})"},
        {"references", json::array{json::object{{"name", "x.Customer"}, {"subject", "customer"}, {"version", 1}}}}});
    EXPECT_EQ(call_json("POST", "/subjects/order/versions", order).at("id").as_int64(), 2);
    auto got = call_json("GET", "/subjects/order/versions/1");
    EXPECT_EQ(got.at("references").at(0).at("subject").as_string(), "customer");
    EXPECT_EQ(json::serialize(call_json("GET", "/subjects/customer/versions/1/referencedby")), "[2]");
    EXPECT_EQ(error_code("DELETE", "/subjects/customer/versions/1"), 42206);
    // Without the reference the named type is unknown: invalid.
    EXPECT_EQ(error_code("POST", "/subjects/order2/versions",
                         body_of(R"({"type":"record","name":"Order","fields":[{"name":"c","type":"x.Customer"}]})")),
              42201);
}

TEST_F(SchemaRegistryApi, NormalizeStoresSortedKeys) {
    call_json("POST", "/subjects/s/versions?normalize=true", body_of(R"({"type":"record","name":"R","fields":[]})"));
    EXPECT_EQ(call("GET", "/subjects/s/versions/1/schema").body, R"({"fields":[],"name":"R","type":"record"})");
    // The same schema with keys in another order is found with normalize.
    EXPECT_EQ(call_json("POST", "/subjects/s?normalize=true", body_of(R"({"name":"R","fields":[],"type":"record"})"))
                  .at("id")
                  .as_int64(),
              1);
}

TEST_F(SchemaRegistryApi, ListingsWithPrefixAndLatestOnly) {
    register_schema("orders-value", v1);
    register_schema("orders-value", v2);
    register_schema("users-value", R"("string")");
    EXPECT_EQ(json::serialize(call_json("GET", "/subjects?subjectPrefix=ord")), R"(["orders-value"])");
    auto all = call_json("GET", "/schemas").as_array();
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].at("version").as_int64(), 1);
    EXPECT_EQ(all[2].at("subject").as_string(), "users-value");
    auto latest = call_json("GET", "/schemas?subjectPrefix=orders&latestOnly=true").as_array();
    ASSERT_EQ(latest.size(), 1u);
    EXPECT_EQ(latest[0].at("version").as_int64(), 2);
    EXPECT_EQ(latest[0].at("schema").as_string(), v2);
}

TEST_F(SchemaRegistryApi, EscapedSubjectNames) {
    register_schema("a%2Fb", v1);
    EXPECT_EQ(json::serialize(call_json("GET", "/subjects")), R"(["a/b"])");
    EXPECT_EQ(error_code("GET", "/subjects/a%2/versions"), 404);
}

TEST(Rest, AcceptedContentTypes) {
    EXPECT_TRUE(accepted_content_type(""));
    EXPECT_TRUE(accepted_content_type("application/vnd.schemaregistry.v1+json"));
    EXPECT_TRUE(accepted_content_type("application/vnd.schemaregistry+json"));
    EXPECT_TRUE(accepted_content_type("Application/JSON; charset=utf-8"));
    EXPECT_TRUE(accepted_content_type("application/octet-stream"));
    EXPECT_FALSE(accepted_content_type("application/x-www-form-urlencoded"));
    EXPECT_FALSE(accepted_content_type("text/plain"));
}

TEST(RegistryState, IgnoresMalformedRecords) {
    registry_state s;
    EXPECT_FALSE(s.apply("not json", std::nullopt));
    EXPECT_FALSE(s.apply(R"({"keytype":"SCHEMA","magic":1})", std::string("{}")));
    EXPECT_FALSE(s.apply(R"({"keytype":"SCHEMA","subject":"s","version":1,"magic":1})", std::string("{\"id\":1}")));
    EXPECT_TRUE(s.apply(R"({"keytype":"NOOP","magic":0})", std::nullopt));
    EXPECT_TRUE(s.subjects().empty());
}

}  // namespace
}  // namespace sluice::broker::schema_registry

// encode_metadata / decode_metadata: the JSON format of
// __cluster_metadata.json (documented in local_metadata_store.h).
#include <boost/json.hpp>

#include "replication/local_metadata_store.h"
#include "replication/topic_name.h"
#include "protocol/uuid_text.h"

namespace sluice::replication {

namespace json = boost::json;

namespace {

constexpr int64_t format_version = 1;

[[noreturn]] void corrupt(const std::string& why) { throw metadata_error(why); }

const json::value& field(const json::object& o, std::string_view key, std::string_view where) {
    const json::value* v = o.if_contains(key);
    if (v == nullptr) corrupt(std::string(where) + " has no \"" + std::string(key) + "\"");
    return *v;
}

std::string string_field(const json::object& o, std::string_view key, std::string_view where) {
    const auto& v = field(o, key, where);
    if (!v.is_string()) corrupt(std::string(where) + ": \"" + std::string(key) + "\" is not a string");
    return std::string(v.get_string());
}

int64_t int_field(const json::object& o, std::string_view key, std::string_view where, int64_t min, int64_t max) {
    const auto& v = field(o, key, where);
    int64_t n = 0;
    if (v.is_int64()) {
        n = v.get_int64();
    } else if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
        n = static_cast<int64_t>(v.get_uint64());
    } else {
        corrupt(std::string(where) + ": \"" + std::string(key) + "\" is not an integer");
    }
    if (n < min || n > max) {
        corrupt(std::string(where) + ": \"" + std::string(key) + "\" is out of range: " + std::to_string(n));
    }
    return n;
}

topic_metadata decode_topic(const json::value& v, size_t index) {
    std::string where = "topics[" + std::to_string(index) + "]";
    if (!v.is_object()) corrupt(where + " is not an object");
    const auto& o = v.get_object();
    topic_metadata t;
    t.name = string_field(o, "name", where);
    if (auto r = validate_topic_name(t.name); !r.ok()) corrupt(where + ": " + r.message);
    where = "topic " + t.name;
    auto id = protocol::uuid_from_base64url(string_field(o, "topic_id", where));
    if (!id || id->is_zero()) corrupt(where + ": \"topic_id\" is not a base64url UUID");
    t.topic_id = *id;
    t.partition_count = static_cast<int32_t>(int_field(o, "partitions", where, 1, INT32_MAX));
    t.replication_factor = static_cast<int16_t>(int_field(o, "replication_factor", where, 1, INT16_MAX));
    const auto& configs = field(o, "configs", where);
    if (!configs.is_object()) corrupt(where + ": \"configs\" is not an object");
    for (const auto& kv : configs.get_object()) {
        if (!kv.value().is_string()) corrupt(where + ": config " + std::string(kv.key()) + " is not a string");
        t.configs.emplace(std::string(kv.key()), std::string(kv.value().get_string()));
    }
    return t;
}

}  // namespace

std::string encode_metadata(const metadata_file_contents& contents) {
    json::array out_topics;
    for (const auto& t : contents.topics) {
        json::object configs;
        for (const auto& [k, v] : t.configs) configs[k] = v;
        out_topics.push_back(json::object{
            {"name", t.name},
            {"topic_id", protocol::to_base64url(t.topic_id)},
            {"partitions", t.partition_count},
            {"replication_factor", t.replication_factor},
            {"configs", std::move(configs)},
        });
    }
    json::object root{
        {"version", format_version},
        {"cluster_id", contents.cluster_id},
        {"topics", std::move(out_topics)},
        {"next_producer_id", contents.next_producer_id.value()},
    };
    if (!contents.records.empty()) {
        json::object kinds;
        for (const auto& [kind, records] : contents.records) {
            json::object one;
            for (const auto& [k, v] : records) one[k] = v;
            kinds[kind] = std::move(one);
        }
        root["records"] = std::move(kinds);
    }
    return json::serialize(root) + "\n";
}

metadata_file_contents decode_metadata(std::string_view text) {
    json::error_code ec;
    json::value root = json::parse(text, ec);
    if (ec) corrupt("not valid JSON (" + ec.message() + ")");
    if (!root.is_object()) corrupt("the top level is not an object");
    const auto& o = root.get_object();
    int64_t version = int_field(o, "version", "the file", 0, INT64_MAX);
    if (version != format_version) corrupt("unsupported format version " + std::to_string(version));
    metadata_file_contents out;
    out.cluster_id = string_field(o, "cluster_id", "the file");
    if (out.cluster_id.empty()) corrupt("\"cluster_id\" is empty");
    const auto& list = field(o, "topics", "the file");
    if (!list.is_array()) corrupt("\"topics\" is not an array");
    auto& topics = out.topics;
    for (size_t i = 0; i < list.get_array().size(); ++i) {
        topic_metadata t = decode_topic(list.get_array()[i], i);
        for (const auto& other : topics) {
            if (other.name == t.name) corrupt("topic " + t.name + " appears twice");
            if (other.topic_id == t.topic_id) corrupt("topics " + other.name + " and " + t.name + " share an id");
        }
        topics.push_back(std::move(t));
    }
    // Absent in files from before producer ids were kept: none handed out.
    if (o.contains("next_producer_id")) {
        out.next_producer_id = protocol::producer_id(int_field(o, "next_producer_id", "the file", 0, INT64_MAX));
    }
    if (const json::value* records = o.if_contains("records")) {
        if (!records->is_object()) corrupt("\"records\" is not an object");
        for (const auto& kind : records->get_object()) {
            if (!kind.value().is_object()) corrupt("records of kind " + std::string(kind.key()) + " are not an object");
            record_map& kept = out.records[std::string(kind.key())];
            for (const auto& kv : kind.value().get_object()) {
                if (!kv.value().is_string()) {
                    corrupt("record " + std::string(kind.key()) + "/" + std::string(kv.key()) + " is not a string");
                }
                kept.emplace(std::string(kv.key()), std::string(kv.value().get_string()));
            }
        }
    }
    return out;
}

}  // namespace sluice::replication

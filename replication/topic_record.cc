#include "replication/topic_record.h"

#include <boost/json.hpp>

#include "protocol/uuid_text.h"

namespace sluice::replication {

namespace bj = boost::json;

std::string to_json(const topic_record& t) {
    bj::object configs;
    for (const auto& [k, v] : t.configs) configs[k] = v;
    return bj::serialize(bj::object{{"topic_id", protocol::to_base64url(t.topic_id)},
                                    {"partitions", t.partition_count},
                                    {"replication_factor", t.replication_factor},
                                    {"configs", std::move(configs)}});
}

std::optional<topic_record> topic_record_from_json(const std::string& name, const std::string& text) {
    boost::system::error_code ec;
    bj::value v = bj::parse(text, ec);
    if (ec || !v.is_object()) return std::nullopt;
    const bj::object& o = v.as_object();
    topic_record t;
    t.name = name;
    const bj::value* id = o.if_contains("topic_id");
    const bj::value* partitions = o.if_contains("partitions");
    const bj::value* rf = o.if_contains("replication_factor");
    const bj::value* configs = o.if_contains("configs");
    if (id == nullptr || !id->is_string() || partitions == nullptr || !partitions->is_int64() || rf == nullptr ||
        !rf->is_int64() || configs == nullptr || !configs->is_object()) {
        return std::nullopt;
    }
    auto parsed = protocol::uuid_from_base64url(std::string_view(id->as_string().data(), id->as_string().size()));
    if (!parsed || partitions->as_int64() < 0 || partitions->as_int64() > INT32_MAX || rf->as_int64() < 0 ||
        rf->as_int64() > INT16_MAX) {
        return std::nullopt;
    }
    t.topic_id = *parsed;
    t.partition_count = static_cast<int32_t>(partitions->as_int64());
    t.replication_factor = static_cast<int16_t>(rf->as_int64());
    for (const auto& [k, val] : configs->as_object()) {
        if (!val.is_string()) return std::nullopt;
        t.configs[std::string(k)] = std::string(val.as_string());
    }
    return t;
}

}  // namespace sluice::replication

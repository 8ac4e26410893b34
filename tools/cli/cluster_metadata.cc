#include "tools/cli/cluster_metadata.h"

#include "tools/cli/broker_error.h"

namespace sluice::tools {

protocol::metadata_response fetch_metadata(kafka_client& client, const std::optional<std::vector<std::string>>& topics) {
    // v4 is the first that lets us turn auto-creation off (and v1 the first
    // where a null topic list means "all topics").
    int16_t version = client.version_for<protocol::metadata_request>(4);
    protocol::metadata_request request;
    if (topics) {
        request.topics.emplace();
        for (const auto& t : *topics) {
            protocol::metadata_request::metadata_request_topic entry;
            entry.name = t;
            request.topics->push_back(std::move(entry));
        }
    }
    request.allow_auto_topic_creation = false;
    return client.call<protocol::metadata_response>(request, version);
}

protocol::metadata_response::metadata_response_topic fetch_topic(kafka_client& client, const std::string& topic) {
    auto response = fetch_metadata(client, std::vector<std::string>{topic});
    for (auto& t : response.topics) {
        if (t.name != topic) continue;
        check_error(t.error_code, std::nullopt, "topic '" + topic + "'");
        return std::move(t);
    }
    throw cli_error("topic '" + topic + "': not in the broker's metadata");
}

std::string format_topic_id(const protocol::uuid& id) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (uint8_t b : id.value) {
        acc = (acc << 8) | b;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out += alphabet[(acc >> bits) & 0x3f];
        }
    }
    if (bits > 0) out += alphabet[(acc << (6 - bits)) & 0x3f];
    return out;
}

}  // namespace sluice::tools

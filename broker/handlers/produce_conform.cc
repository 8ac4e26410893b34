#include "broker/handlers/produce_conform.h"

namespace sluice::broker {

std::optional<protocol::compression> topic_codec(const topic_settings& settings) {
    const std::string& type = settings.compression_type;
    if (type == "producer" || type.empty()) return std::nullopt;
    if (type == "uncompressed") return protocol::compression::none;
    if (type == "gzip") return protocol::compression::gzip;
    if (type == "snappy") return protocol::compression::snappy;
    if (type == "lz4") return protocol::compression::lz4;
    if (type == "zstd") return protocol::compression::zstd;
    return std::nullopt;
}

protocol::error_code conform_batch(std::span<uint8_t>& batch, const std::optional<protocol::record_facts>& facts,
                                   const topic_settings& settings, protocol::bytes& rebuilt) {
    using protocol::error_code;
    auto header = protocol::read_batch_header(batch);
    if (!header) return error_code::corrupt_message;
    const std::optional<protocol::compression> target = topic_codec(settings);
    const bool other_codec = target && *target != header->codec();
    const bool gapped = facts && !facts->offsets_consecutive;
    if (other_codec || gapped) {
        if (error_code e = protocol::rebuild_batch(batch, target.value_or(header->codec()), rebuilt);
            e != error_code::none) {
            return e;
        }
        if (rebuilt.size() > static_cast<size_t>(settings.max_message_bytes)) return error_code::message_too_large;
        batch = std::span<uint8_t>(rebuilt);
        return error_code::none;
    }
    // A LogAppendTime topic's log stamps the batch itself.
    if (facts && !settings.storage.log_append_time && !header->log_append_time() &&
        facts->max_timestamp_delta != INT64_MIN) {
        const auto max = static_cast<int64_t>(static_cast<uint64_t>(header->base_timestamp) +
                                              static_cast<uint64_t>(facts->max_timestamp_delta));
        if (max != header->max_timestamp) protocol::set_max_timestamp(batch.data(), batch.size(), max);
    }
    return error_code::none;
}

}  // namespace sluice::broker

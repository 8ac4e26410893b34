#include "tools/cli/record_client.h"

#include <algorithm>
#include <chrono>
#include <set>

#include "protocol/generated/fetch.h"
#include "protocol/generated/list_offsets.h"
#include "protocol/generated/produce.h"
#include "tools/cli/broker_error.h"
#include "tools/cli/cli_error.h"

namespace sluice::tools {

protocol::compression parse_codec(std::string_view name, std::string_view what) {
    if (name == "none") return protocol::compression::none;
    if (name == "gzip") return protocol::compression::gzip;
    if (name == "snappy") return protocol::compression::snappy;
    if (name == "lz4") return protocol::compression::lz4;
    if (name == "zstd") return protocol::compression::zstd;
    throw usage_error(std::string(what) + ": unknown compression '" + std::string(name) +
                      "' (none, gzip, snappy, lz4, zstd)");
}

produce_result produce_batch(kafka_client& client, const std::string& topic, int32_t partition,
                             const std::vector<protocol::record>& records, int16_t acks, protocol::compression codec,
                             int32_t timeout_ms) {
    // v3 is the first that carries record batch v2; zstd needs v7.
    int16_t min_version = codec == protocol::compression::zstd ? 7 : 3;
    int16_t version = client.pick_version(protocol::produce_request::api_key, min_version, 12);
    protocol::batch_builder_options options;
    options.codec = codec;
    protocol::produce_request request;
    request.acks = acks;
    request.timeout_ms = timeout_ms;
    protocol::produce_request::topic_produce_data t;
    t.name = topic;
    protocol::produce_request::partition_produce_data p;
    p.index = partition;
    p.records = protocol::records_field::of_bytes(protocol::build_batch(records, options));
    t.partition_data.push_back(std::move(p));
    request.topic_data.push_back(std::move(t));
    if (acks == 0) {
        client.send_only(request, version);
        return {};
    }
    auto response = client.call<protocol::produce_response>(request, version);
    for (const auto& rt : response.responses) {
        for (const auto& rp : rt.partition_responses) {
            if (rt.name != topic || rp.index != partition) continue;
            return {rp.error_code, rp.error_message, rp.base_offset};
        }
    }
    throw cli_error("cannot produce to " + topic + "-" + std::to_string(partition) + ": no result from the broker");
}

namespace {

// Drops aborted transactional batches: a producer id is "aborting" from the
// first offset the broker lists for it until its abort marker.
void append_batches(const protocol::bytes& data,
                    const std::vector<protocol::fetch_response::aborted_transaction>& aborted, bool read_committed,
                    int64_t from, fetched_partition& out) {
    std::vector<protocol::fetch_response::aborted_transaction> pending = aborted;
    std::sort(pending.begin(), pending.end(),
              [](const auto& a, const auto& b) { return a.first_offset < b.first_offset; });
    size_t next_aborted = 0;
    std::set<int64_t> aborting;
    protocol::batch_iterator it(data);
    while (auto batch = it.next()) {
        auto header = protocol::read_batch_header(*batch);
        if (!header) break;
        if (header->magic != protocol::current_magic)
            throw cli_error("fetch returned a batch with magic " + std::to_string(header->magic) +
                            " (only v2 is read)");
        out.next_offset = std::max(out.next_offset, header->last_offset() + 1);
        if (read_committed) {
            while (next_aborted < pending.size() && pending[next_aborted].first_offset <= header->last_offset()) {
                aborting.insert(pending[next_aborted++].producer_id);
            }
        }
        if (header->is_control()) {
            aborting.erase(header->producer_id);
            continue;
        }
        if (read_committed && header->is_transactional() && aborting.contains(header->producer_id)) continue;
        std::vector<protocol::record> records;
        auto ec = protocol::decode_records(*batch, records);
        if (ec != protocol::error_code::none) {
            throw cli_error("fetch returned a batch at offset " + std::to_string(header->base_offset) +
                            " that does not decode: " + describe_error(static_cast<int16_t>(ec)));
        }
        for (auto& r : records) {
            if (r.offset < from) continue;
            // LogAppendTime: every record carries the broker's time, kept as the batch's max timestamp.
            if (header->log_append_time()) r.timestamp = header->max_timestamp;
            out.records.push_back({std::move(r), header->log_append_time()});
        }
    }
}

}  // namespace

fetched_partition fetch_once(kafka_client& client, const std::string& topic, int32_t partition, int64_t offset,
                             bool read_committed, int32_t max_wait_ms) {
    // v4 brings isolation_level and the aborted list; v13 switches to topic ids.
    int16_t version = client.pick_version(protocol::fetch_request::api_key, 4, 12);
    protocol::fetch_request request;
    request.replica_id = -1;
    request.max_wait_ms = max_wait_ms;
    request.min_bytes = 1;
    request.max_bytes = 8 << 20;
    request.isolation_level = read_committed ? 1 : 0;
    request.session_id = 0;
    request.session_epoch = -1;  // no fetch session
    protocol::fetch_request::fetch_topic t;
    t.topic = topic;
    protocol::fetch_request::fetch_partition p;
    p.partition = partition;
    p.fetch_offset = offset;
    p.partition_max_bytes = 4 << 20;
    t.partitions.push_back(p);
    request.topics.push_back(std::move(t));
    auto response = client.call<protocol::fetch_response>(request, version);
    check_error(response.error_code, std::nullopt, "cannot fetch " + topic + "-" + std::to_string(partition));
    fetched_partition out;
    out.next_offset = offset;
    for (const auto& rt : response.responses) {
        if (rt.topic != topic) continue;
        for (const auto& rp : rt.partitions) {
            if (rp.partition_index != partition) continue;
            out.error_code = rp.error_code;
            out.high_watermark = rp.high_watermark;
            out.last_stable_offset = rp.last_stable_offset;
            out.log_start_offset = rp.log_start_offset;
            if (rp.error_code != 0 || rp.records.is_null()) return out;
            protocol::bytes data;
            if (!rp.records.copy_to(data)) throw cli_error("cannot read the fetched records");
            static const std::vector<protocol::fetch_response::aborted_transaction> none;
            append_batches(data, rp.aborted_transactions ? *rp.aborted_transactions : none, read_committed, offset,
                           out);
            return out;
        }
    }
    throw cli_error("cannot fetch " + topic + "-" + std::to_string(partition) + ": no result from the broker");
}

std::pair<int16_t, int64_t> list_offset(kafka_client& client, const std::string& topic, int32_t partition,
                                        int64_t timestamp, bool read_committed) {
    // v2 has isolation_level; -3 (max timestamp) needs v7.
    int16_t version = client.version_for<protocol::list_offsets_request>(timestamp == -3 ? 7 : 2);
    protocol::list_offsets_request request;
    request.replica_id = -1;
    request.isolation_level = read_committed ? 1 : 0;
    protocol::list_offsets_request::list_offsets_topic t;
    t.name = topic;
    protocol::list_offsets_request::list_offsets_partition lp;
    lp.partition_index = partition;
    lp.timestamp = timestamp;
    t.partitions.push_back(lp);
    request.topics.push_back(std::move(t));
    auto response = client.call<protocol::list_offsets_response>(request, version);
    for (const auto& rt : response.topics) {
        for (const auto& rp : rt.partitions) {
            if (rt.name == topic && rp.partition_index == partition) return {rp.error_code, rp.offset};
        }
    }
    throw cli_error("cannot list offsets of " + topic + "-" + std::to_string(partition) +
                    ": no result from the broker");
}

}  // namespace sluice::tools

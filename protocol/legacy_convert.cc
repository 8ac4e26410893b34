#include "protocol/legacy_convert.h"

#include <vector>

#include "protocol/legacy_message_set.h"

namespace sluice::protocol {

error_code convert_legacy_message_set(bytes_view set, const legacy_conversion_rules& rules, bytes& out) {
    legacy_set read;
    if (error_code e = read_legacy_message_set(set, rules.max_message_bytes, read); e != error_code::none) return e;

    // Kafka collects every record's error, then answers INVALID_TIMESTAMP
    // if any record had one, else INVALID_RECORD.
    bool bad_timestamp = false;
    bool keyless = false;
    std::vector<record> records;
    records.reserve(read.entries.size());
    for (const legacy_entry& e : read.entries) {
        if (rules.require_keys && !e.key) {
            keyless = true;
            continue;
        }
        if (e.log_append_time && (rules.log_append_time || e.timestamp == -1)) {
            bad_timestamp = true;
            continue;
        }
        record r;
        r.offset = static_cast<int64_t>(records.size());
        r.timestamp = e.timestamp;
        if (e.key) r.key.emplace(e.key->begin(), e.key->end());
        if (e.value) r.value.emplace(e.value->begin(), e.value->end());
        records.push_back(std::move(r));
    }
    if (bad_timestamp) return error_code::invalid_timestamp;
    if (keyless) return error_code::invalid_record;

    out = build_batch(records, {.codec = rules.target_codec.value_or(read.codec)});
    if (out.empty()) return error_code::unknown_server_error;  // the codec failed to compress
    if (out.size() > static_cast<size_t>(rules.max_message_bytes)) return error_code::message_too_large;
    return error_code::none;
}

}  // namespace sluice::protocol

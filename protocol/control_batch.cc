#include "protocol/control_batch.h"

#include <vector>

#include "protocol/record_batch.h"

namespace sluice::protocol {

bytes build_marker_batch(int64_t producer_id, int16_t producer_epoch, const txn_marker& marker, int64_t timestamp) {
    record r;
    r.timestamp = timestamp;
    writer key;
    key.write_int16(0);
    key.write_int16(static_cast<int16_t>(marker.type));
    writer value;
    value.write_int16(0);
    value.write_int32(marker.coordinator_epoch);
    r.key = std::move(key.buffer());
    r.value = std::move(value.buffer());
    batch_builder_options options;
    options.producer_id = producer_id;
    options.producer_epoch = producer_epoch;
    options.transactional = true;
    options.control = true;
    return build_batch({r}, options);
}

std::optional<txn_marker> read_marker(bytes_view batch) {
    auto header = read_batch_header(batch);
    if (!header || !header->is_control()) return std::nullopt;
    std::vector<record> records;
    if (decode_records(batch, records) != error_code::none || records.empty() || !records.front().key) {
        return std::nullopt;
    }
    reader k(*records.front().key);
    (void)k.read_int16();
    const int16_t type = k.read_int16();
    if (!k.ok() || (type != 0 && type != 1)) return std::nullopt;
    txn_marker out;
    out.type = static_cast<marker_type>(type);
    if (records.front().value) {
        reader v(*records.front().value);
        (void)v.read_int16();
        const int32_t epoch = v.read_int32();
        if (v.ok()) out.coordinator_epoch = epoch;
    }
    return out;
}

}  // namespace sluice::protocol

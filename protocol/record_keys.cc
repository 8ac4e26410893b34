#include "protocol/record_keys.h"

#include <algorithm>
#include <vector>

#include "protocol/record_batch.h"

namespace sluice::protocol {

bool every_record_has_key(bytes_view batch) {
    // Decoding allocates per record; only compacted topics pay for it.
    std::vector<record> records;
    if (decode_records(batch, records) != error_code::none) return false;
    return std::all_of(records.begin(), records.end(), [](const record& r) { return r.key.has_value(); });
}

}  // namespace sluice::protocol

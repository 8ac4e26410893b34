#include "protocol/record_keys.h"

#include "protocol/record_batch.h"

namespace sluice::protocol {

error_code find_keyless_records(bytes_view batch, std::vector<int32_t>& out) {
    int32_t index = 0;
    return for_each_record(batch, [&](const record_view& r) {
        if (!r.key) out.push_back(index);
        ++index;
    });
}

error_code validate_batch_keys(bytes_view batch, std::vector<int32_t>& keyless, record_facts& facts) {
    int32_t index = 0;
    return validate_each_record(batch, facts, [&](const record_view& r) {
        if (!r.key) keyless.push_back(index);
        ++index;
    });
}

}  // namespace sluice::protocol

// The produce side of broker-side schema-id validation over arbitrary
// record batches: validate_batch as the produce path runs it first, then
// check_schema_ids with key and value validation against a registry state
// holding a few schemas (ids 1 and 2 under "t-value", 3 under "t-key", 4
// under another subject, 5 soft-deleted under "t-value").
//
// Input: one control byte, then one batch. Bit 0 patches its batch_length
// and bit 1 its CRC to match (as record_batch's target); bit 2 validates
// keys too; bit 3 skips validate_batch (the check must survive a batch that
// is not what it expects, answering with an error code).
//
// Checks: nothing crashes; a refusal is INVALID_RECORD with one record
// error per refused record (indexes increasing) and a message, or (for
// an unvalidated batch only) the walk's own error; an accepted batch has no record errors.
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "broker/config/topic_config.h"
#include "broker/handlers/produce_schema_ids.h"
#include "broker/schema_registry/registry_state.h"
#include "broker/schema_registry/schemas_records.h"
#include "fuzz/fuzz_check.h"
#include "protocol/crc32c.h"
#include "protocol/record_batch.h"

namespace {

namespace sr = sluice::broker::schema_registry;
using namespace sluice::protocol;

void store_be32(uint8_t* p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v >> 24);
    p[1] = static_cast<uint8_t>(v >> 16);
    p[2] = static_cast<uint8_t>(v >> 8);
    p[3] = static_cast<uint8_t>(v);
}

void add(sr::registry_state& s, const std::string& subject, int32_t version, int32_t id, bool deleted) {
    sr::schema_value v;
    v.subject = subject;
    v.version = version;
    v.id = id;
    v.schema = "\"string\"";
    v.deleted = deleted;
    const bool ok = s.apply(sr::encode_key({sr::key_type::schema, subject, version}), sr::encode_schema_value(v));
    SLUICE_FUZZ_CHECK(ok, "the seed state applies");
}

const sr::registry_state& seeded() {
    static const sr::registry_state state = [] {
        sr::registry_state s;
        add(s, "t-value", 1, 1, false);
        add(s, "t-value", 2, 2, false);
        add(s, "t-key", 1, 3, false);
        add(s, "other-value", 1, 4, false);
        add(s, "t-value", 3, 5, true);
        return s;
    }();
    return state;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    spdlog::set_level(spdlog::level::off);
    (void)seeded();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const uint8_t control = data[0];
    bytes batch(data + 1, data + size);
    if ((control & 1) && batch.size() >= batch_log_overhead) {
        store_be32(batch.data() + 8, static_cast<uint32_t>(batch.size() - batch_log_overhead));
    }
    if ((control & 2) && batch.size() >= 21) {
        store_be32(batch.data() + 17, crc32c(batch.data() + 21, batch.size() - 21));
    }
    if (!(control & 8) && validate_batch(batch) != error_code::none) return 0;

    sluice::broker::topic_settings settings{};
    settings.value_schema_validation = true;
    settings.key_schema_validation = (control & 4) != 0;
    bool may_be_stale = false;
    const auto out = sluice::broker::check_schema_ids(seeded(), batch, settings, "t", may_be_stale);
    if (out.code == error_code::none) {
        SLUICE_FUZZ_CHECK(out.record_errors.empty(), "an accepted batch has no record errors");
        SLUICE_FUZZ_CHECK(!may_be_stale, "an accepted batch is not stale");
    } else if (out.code == error_code::invalid_record) {
        // An unvalidated batch may also fail its walk with INVALID_RECORD.
        SLUICE_FUZZ_CHECK((control & 8) || (!out.record_errors.empty() && out.message.has_value()),
                          "INVALID_RECORD names its records and has a message");
        for (size_t i = 1; i < out.record_errors.size(); ++i) {
            SLUICE_FUZZ_CHECK(out.record_errors[i - 1].batch_index < out.record_errors[i].batch_index,
                              "one record error per record, in order");
        }
    } else {
        SLUICE_FUZZ_CHECK(control & 8, "a validated batch walks without error");
    }
    return 0;
}

#include "broker/handlers/produce_expected_offsets.h"

#include <fmt/format.h>

#include "log/key_conditions.h"
#include "log/partition_log.h"

namespace sluice::broker {

expected_offsets_refusal check_expected_offsets(std::span<const uint8_t> records, const log::partition_log& log,
                                                const std::optional<protocol::record_facts>& facts) {
    if (facts && !facts->any_headers) return {};
    // Relaxed validation reads no record (record-level faults are stored as
    // sent): on a topic without the index it does not look for the header
    // either, and pays nothing.
    if (!facts && !log.config().key_index) return {};
    log::key_condition_verdict verdict = log::check_key_conditions(records, log);
    expected_offsets_refusal out;
    out.code = verdict.code;
    if (verdict.ok() || verdict.errors.empty()) return out;
    std::string shown;
    for (auto& e : verdict.errors) {
        if (out.record_errors.size() < 3) {
            shown += fmt::format("{}RecordError(batchIndex={}, message='{}')", shown.empty() ? "" : ", ", e.batch_index,
                                 e.message);
        }
        out.record_errors.push_back({e.batch_index, std::move(e.message), {}});
    }
    out.message = fmt::format(
        "One or more records have been rejected due to {} record errors in total, and only showing the first three "
        "errors at most: [{}]",
        out.record_errors.size(), shown);
    return out;
}

}  // namespace sluice::broker

#pragma once
// Produce's side of consistent writes (log/key_conditions.h): the verdict on
// a partition's records as Produce answers it, INVALID_RECORD with every
// failing record named in record_errors (KIP-467, Produce v8+) and the
// first three in the message, as Kafka words its record errors.
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "protocol/error_code.h"
#include "protocol/generated/produce.h"
#include "protocol/record_batch.h"

namespace sluice::log {
class partition_log;
}

namespace sluice::broker {

struct expected_offsets_refusal {
    protocol::error_code code = protocol::error_code::none;
    std::vector<protocol::produce_response::batch_index_and_error_message> record_errors;
    std::optional<std::string> message;
};

// Checks the records about to be appended to `log` (call right before
// prepare_append, on the log's executor); code none when they may go.
// `facts` from the validating walk, when there was one: a batch it saw
// without any header costs nothing more. Without one (relaxed validation),
// a topic without the key index is not searched for the header at all. Legacy message sets need no call:
// they cannot carry headers.
expected_offsets_refusal check_expected_offsets(std::span<const uint8_t> records, const log::partition_log& log,
                                                const std::optional<protocol::record_facts>& facts);

}  // namespace sluice::broker

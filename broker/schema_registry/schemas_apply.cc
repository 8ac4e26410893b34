#include "broker/schema_registry/schemas_apply.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "broker/schema_registry/schemas_records.h"
#include "protocol/record_batch.h"

namespace sluice::broker::schema_registry {

namespace {

std::string text_of(const protocol::bytes& b) { return std::string(b.begin(), b.end()); }

}  // namespace

bool apply_schemas_batches(registry_state& state, protocol::bytes_view batches, int64_t end, int64_t& next_offset) {
    const int64_t before = next_offset;
    std::vector<protocol::record> records;
    protocol::batch_iterator it(batches);
    while (auto batch = it.next()) {
        auto header = protocol::read_batch_header(*batch);
        if (!header || header->magic != protocol::current_magic) break;
        if (header->base_offset >= end) break;
        records.clear();
        if (!header->is_control() && protocol::decode_records(*batch, records) == protocol::error_code::none) {
            for (const auto& r : records) {
                if (r.offset < next_offset || r.offset >= end || !r.key) continue;
                std::optional<std::string> value;
                if (r.value) value = text_of(*r.value);
                if (!state.apply(text_of(*r.key), value)) {
                    spdlog::warn("{}: skipping malformed record at offset {}", schemas_topic_name, r.offset);
                }
            }
        }
        next_offset = std::max(next_offset, std::min(header->last_offset() + 1, end));
    }
    return next_offset > before;
}

}  // namespace sluice::broker::schema_registry

// check_record_changes: what every metadata store refuses in update_records.
#include "replication/metadata_store.h"

namespace sluice::replication {

op_result check_record_changes(std::string_view kind, const record_changes& changes) {
    using protocol::error_code;
    if (kind.empty() || kind.find('/') != std::string_view::npos) {
        return {error_code::invalid_request, "Invalid record kind '" + std::string(kind) + "'."};
    }
    if (changes.size() > metadata_store::max_record_changes) {
        return {error_code::invalid_request, "At most " + std::to_string(metadata_store::max_record_changes) +
                                                 " records change at once."};
    }
    for (const auto& [key, value] : changes) {
        if (key.empty()) return {error_code::invalid_request, "A record key is empty."};
    }
    return {};
}

}  // namespace sluice::replication

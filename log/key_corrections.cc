#include "log/key_corrections.h"

#include <unordered_map>

#include "log/key_conditions.h"

namespace sluice::log {

std::optional<int64_t> parse_corrects_offset(protocol::bytes_view value) {
    auto offset = parse_expected_offset(value);
    if (!offset || *offset < 0) return std::nullopt;
    return offset;
}

std::optional<int64_t> corrected_offset_of(const protocol::record& r) {
    for (const auto& [name, value] : r.headers) {
        if (name != corrects_offset_header || !value) continue;
        return parse_corrects_offset(protocol::bytes_view(*value));
    }
    return std::nullopt;
}

std::vector<corrected_record> corrected_view(std::vector<key_record> records) {
    std::vector<corrected_record> out;
    out.reserve(records.size());
    std::unordered_map<int64_t, int64_t> original_of;  // any shown record's offset -> its chain's original
    std::unordered_map<int64_t, size_t> position_of;   // an original's offset -> its slot in `out`
    std::unordered_map<int64_t, int64_t> reported_of;  // an original's offset -> what its chain corrects
    for (auto& r : records) {
        const int64_t offset = r.record.offset;
        const std::optional<int64_t> target = corrected_offset_of(r.record);
        if (target) {
            if (auto it = original_of.find(*target); it != original_of.end()) {
                // Records come oldest first: this one is the newest of its chain.
                const int64_t original = it->second;
                original_of[offset] = original;
                out[position_of.at(original)] = {std::move(r), reported_of.at(original)};
                continue;
            }
        }
        original_of[offset] = offset;
        position_of[offset] = out.size();
        // A correction whose target was not read keeps naming it.
        reported_of[offset] = target.value_or(offset);
        out.push_back({std::move(r), target.value_or(-1)});
    }
    return out;
}

}  // namespace sluice::log

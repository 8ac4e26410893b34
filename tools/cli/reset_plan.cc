#include "tools/cli/reset_plan.h"

namespace sluice::tools {

namespace {

std::string name_of(const partition_position& p) { return p.topic + "-" + std::to_string(p.partition); }

// Kafka's checkOffsetsRange, with its warnings as notes.
planned_offset clamp(const partition_position& p, int64_t wanted) {
    planned_offset out{p.topic, p.partition, wanted, {}};
    if (wanted > p.log_end) {
        out.new_offset = p.log_end;
        out.note = "New offset (" + std::to_string(wanted) + ") is higher than latest offset for topic partition " +
                   name_of(p) + ". Value will be set to " + std::to_string(p.log_end);
    } else if (wanted < p.log_start) {
        out.new_offset = p.log_start;
        out.note = "New offset (" + std::to_string(wanted) + ") is lower than earliest offset for topic partition " +
                   name_of(p) + ". Value will be set to " + std::to_string(p.log_start);
    }
    return out;
}

}  // namespace

reset_plan plan_reset(const reset_target& target, const std::vector<partition_position>& positions) {
    reset_plan plan;
    for (const auto& p : positions) {
        switch (target.what) {
            case reset_target::kind::earliest:
                plan.offsets.push_back({p.topic, p.partition, p.log_start, {}});
                break;
            case reset_target::kind::latest:
                plan.offsets.push_back({p.topic, p.partition, p.log_end, {}});
                break;
            case reset_target::kind::current:
                plan.offsets.push_back({p.topic, p.partition, p.committed.value_or(p.log_end), {}});
                break;
            case reset_target::kind::offset:
                plan.offsets.push_back(clamp(p, target.value));
                break;
            case reset_target::kind::shift_by:
                if (!p.committed) {
                    return {{},
                            "Cannot shift offset for partition " + name_of(p) +
                                " since there is no current committed offset"};
                }
                // Saturating: a shift near INT64 limits must not wrap around.
                if (target.value > 0 && *p.committed > INT64_MAX - target.value) {
                    plan.offsets.push_back(clamp(p, INT64_MAX));
                } else if (target.value < 0 && *p.committed < INT64_MIN - target.value) {
                    plan.offsets.push_back(clamp(p, INT64_MIN));
                } else {
                    plan.offsets.push_back(clamp(p, *p.committed + target.value));
                }
                break;
            case reset_target::kind::timestamp: {
                int64_t at = p.offset_for_timestamp.value_or(-1);
                plan.offsets.push_back({p.topic, p.partition, at < 0 ? p.log_end : at, {}});
                break;
            }
        }
    }
    return plan;
}

}  // namespace sluice::tools

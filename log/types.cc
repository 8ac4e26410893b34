#include "log/types.h"

namespace sluice::log {

std::optional<topic_partition> topic_partition::from_dir_name(std::string_view name) {
    size_t dash = name.rfind('-');
    if (dash == std::string_view::npos || dash == 0 || dash + 1 == name.size()) return std::nullopt;
    std::string_view digits = name.substr(dash + 1);
    if (digits.size() > 10) return std::nullopt;
    int64_t partition = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') return std::nullopt;
        partition = partition * 10 + (c - '0');
    }
    if (partition > INT32_MAX) return std::nullopt;
    return topic_partition{std::string(name.substr(0, dash)), static_cast<int32_t>(partition)};
}

}  // namespace sluice::log

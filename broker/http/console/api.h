#pragma once
// The console's HTTP entry: its pages (embedded assets) and the JSON API
// under /api/v1/ (paths, bodies and errors in broker/README.md, "Web
// console"). Checks run in this order, each with its own status: a target
// outside the API or badly encoded 404/400, a method the path does not serve
// 405 (with Allow), a change while http.console.read.only 403, a bad body or
// parameter 400; then the read or the action.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>

#include "broker/http/router.h"

namespace sluice::broker {
class broker;
}

namespace sluice::broker::http::console {

void serve(broker& b, std::string_view method, std::string_view target, std::string body, routes::reply_fn reply);

// The pure part: which API operation a method and path name, or the answer
// that refuses them (404, 405, 400). Unit-tested.
enum class operation {
    cluster,
    list_topics,
    create_topic,
    describe_topic,
    delete_topic,
    add_partitions,
    alter_configs,
    read_records,
    list_groups,
    describe_group,
    delete_group,
    reset_offsets,
};
struct resolved {
    operation op{};
    std::string name;        // the topic or group
    int32_t partition = -1;  // read_records
    std::map<std::string, std::string, std::less<>> query;
};
// Either the operation or the refusal.
std::variant<resolved, answer> resolve(std::string_view method, std::string_view target);
bool changes_state(operation op);

}  // namespace sluice::broker::http::console

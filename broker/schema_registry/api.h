#pragma once
// Confluent Schema Registry's v1 REST API as pure functions of the request
// and the registry state, so every answer is unit-tested without a server
// or a log.
//
// A read is answered from the state at once. A write (register, delete,
// config, mode) is a `planner`: run at the write's turn against the state
// then current, it gives the records to append to `_schemas` and the answer
// to send once they are committed (or only an answer: a refusal, or a
// request that changes nothing, such as registering a known schema).
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/http/router.h"
#include "broker/schema_registry/registry_state.h"
#include "broker/schema_registry/schemas_records.h"

namespace sluice::broker::schema_registry {

struct plan {
    http::answer reply;
    std::vector<schemas_record> records;
};

using planner = std::function<plan(const registry_state&)>;

struct routed {
    bool write = false;
    planner run;
};

routed route(std::string_view method, std::string_view target, std::string body);

// The endpoints, by family (api_reads.cc, api_writes.cc, api_config.cc).
namespace endpoints {
struct request;
}

}  // namespace sluice::broker::schema_registry

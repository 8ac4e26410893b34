#pragma once
// The topic registry's asynchronous changes as plain calls, for tests over
// the local metadata store, which answers before the call returns: a call
// that did not answer at once fails the test.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "broker/topics/topic_registry.h"

namespace sluice::broker::testing {

template <typename Start>
op_result answered_inline(Start start) {
    std::optional<op_result> out;
    int calls = 0;
    start([&](op_result r) {
        ++calls;
        out = std::move(r);
    });
    EXPECT_EQ(calls, 1) << "the local store answers once, before the call returns";
    return out.value_or(op_result{protocol::error_code::request_timed_out, "no answer"});
}

inline op_result create_now(topic_registry& r, const std::string& name, int32_t partitions, int16_t rf,
                            const topic_config& configs, bool validate_only) {
    return answered_inline([&](auto done) { r.create(name, partitions, rf, configs, validate_only, done); });
}
inline op_result remove_now(topic_registry& r, const std::string& name) {
    return answered_inline([&](auto done) { r.remove(name, done); });
}
inline op_result add_partitions_now(topic_registry& r, const std::string& name, int32_t total, bool validate_only) {
    return answered_inline([&](auto done) { r.add_partitions(name, total, validate_only, done); });
}
inline op_result set_configs_now(topic_registry& r, const std::string& name, const topic_config& configs,
                                 bool validate_only) {
    return answered_inline([&](auto done) { r.set_configs(name, configs, validate_only, done); });
}

}  // namespace sluice::broker::testing

// Authorizer decisions with 10,000 ACLs: the lookup every authorized
// request makes (broker/security/acl_index.h). Half the ACLs are literal,
// half prefixed, over 100 principals; lookups hit and miss.
#include <benchmark/benchmark.h>

#include <string>
#include <string_view>
#include <vector>

#include "broker/security/acl_index.h"

namespace {

using namespace sluice::broker::security;

acl_index ten_thousand_acls() {
    std::vector<acl_binding> bindings;
    for (int i = 0; i < 10000; ++i) {
        bool prefixed = i % 2 == 1;
        bindings.push_back(
            {resource_type::topic, (prefixed ? "team-" + std::to_string(i) + "-" : "topic-" + std::to_string(i)),
             prefixed ? pattern_type::prefixed : pattern_type::literal, "User:user-" + std::to_string(i % 100), "*",
             i % 3 == 0 ? acl_operation::write : acl_operation::read, acl_permission::allow});
    }
    return acl_index(std::move(bindings));
}

struct query {
    std::string principal;
    std::string topic;
};

std::vector<query> queries(bool hit) {
    std::vector<query> out;
    for (int i = 0; i < 1024; ++i) {
        int n = (i * 7919) % 10000;
        std::string topic = n % 2 == 1 ? "team-" + std::to_string(n) + "-orders-v2" : "topic-" + std::to_string(n);
        out.push_back({"User:user-" + std::to_string(hit ? n % 100 : (n + 1) % 100), topic});
    }
    return out;
}

void run(benchmark::State& state, bool hit) {
    acl_index index = ten_thousand_acls();
    auto qs = queries(hit);
    size_t i = 0;
    int64_t allowed = 0;
    for (auto _ : state) {
        const auto& q = qs[i++ & 1023];
        auto v = index.decide({q.principal, "127.0.0.1"}, acl_operation::describe, resource_type::topic, q.topic);
        allowed += v == acl_index::verdict::allowed;
        benchmark::DoNotOptimize(v);
    }
    state.counters["allowed"] = static_cast<double>(allowed) / static_cast<double>(state.iterations());
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

// What the index replaces: every ACL checked against the request.
void BM_scan_10k_acls_allowed(benchmark::State& state) {
    acl_index index = ten_thousand_acls();
    const auto& all = index.bindings();
    auto qs = queries(true);
    size_t i = 0;
    for (auto _ : state) {
        const auto& q = qs[i++ & 1023];
        bool allowed = false;
        for (const auto& b : all) {
            bool name_ok = b.pattern == pattern_type::prefixed ? std::string_view(q.topic).starts_with(b.name)
                                                               : (b.name == q.topic || b.name == "*");
            if (b.type == resource_type::topic && name_ok && b.principal == q.principal &&
                allow_implies(b.operation, acl_operation::describe)) {
                allowed = true;
            }
        }
        benchmark::DoNotOptimize(allowed);
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_authorize_10k_acls_allowed(benchmark::State& state) { run(state, true); }
void BM_authorize_10k_acls_denied(benchmark::State& state) { run(state, false); }

}  // namespace

BENCHMARK(BM_authorize_10k_acls_allowed);
BENCHMARK(BM_authorize_10k_acls_denied);
BENCHMARK(BM_scan_10k_acls_allowed);

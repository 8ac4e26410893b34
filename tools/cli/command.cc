#include "tools/cli/command.h"

#include "tools/cli/kafka_client.h"

namespace sluice::tools {

namespace {
constexpr long long default_timeout_ms = 10000;
}

option_spec bootstrap_option() {
    return {"-b", "--bootstrap-server", "HOST:PORT", "broker to talk to (default $SLUICE_BOOTSTRAP or localhost:9092)"};
}

option_spec timeout_option() {
    return {"", "--timeout-ms", "MS", "give up on the broker after this long (default 10000)"};
}

std::string bootstrap_of(const parsed_args& args) { return args.get("--bootstrap-server").value_or(default_bootstrap()); }

std::chrono::milliseconds timeout_of(const parsed_args& args) {
    auto v = args.get("--timeout-ms");
    return std::chrono::milliseconds(v ? parse_int(*v, "--timeout-ms", 1, 3600000) : default_timeout_ms);
}

}  // namespace sluice::tools

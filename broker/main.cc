// sluiced: the Sluice broker.
//   sluiced [server.properties] [--override key=value]...
#include <spdlog/cfg/env.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "broker/broker.h"
#include "broker/config/config_error.h"
#include "log/index_block_cache.h"
#include "log/write_ring.h"

namespace {

// Each partition keeps its active segment's .log, .index and .timeindex
// open; the usual soft limit of 1024 descriptors would cap a broker at a few
// hundred partitions, so take whatever the hard limit allows.
void raise_open_file_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) spdlog::warn("could not raise the open file limit");
}

void usage() {
    std::cerr << "usage: sluiced [server.properties] [--override key=value]...\n";
}

}  // namespace

int main(int argc, char** argv) {
    std::optional<std::filesystem::path> file;
    std::vector<std::string> overrides;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--override" && i + 1 < argc) {
            overrides.emplace_back(argv[++i]);
        } else if (arg.starts_with("--override=")) {
            overrides.emplace_back(arg.substr(11));
        } else if (arg == "-h" || arg == "--help") {
            usage();
            return 0;
        } else if (!arg.starts_with("-") && !file) {
            file = arg;
        } else {
            usage();
            return 2;
        }
    }
    // Logs go to stderr, like Kafka's console appender; stdout stays free.
    spdlog::set_default_logger(spdlog::stderr_color_mt("sluiced"));
    spdlog::set_pattern("[%Y-%m-%d %H:%M:%S.%e] %^%l%$ %v");
    spdlog::cfg::load_env_levels();  // SPDLOG_LEVEL=debug, e.g. to see each TLS client's principal
    std::signal(SIGPIPE, SIG_IGN);
    raise_open_file_limit();

    std::unique_ptr<sluice::broker::broker> broker;
    try {
        auto config = sluice::broker::broker_config::load(file, overrides);
        sluice::log::index_block_cache::set_capacity(static_cast<size_t>(config.log_index_cache_bytes));
        sluice::log::write_ring::set_enabled(config.produce_io_uring_enable);
        broker = std::make_unique<sluice::broker::broker>(std::move(config));
    } catch (const std::exception& e) {
        spdlog::critical("startup failed: {}", e.what());
        return 1;
    }
    boost::asio::signal_set signals(broker->io(), SIGINT, SIGTERM);
    signals.async_wait([&](boost::system::error_code ec, int) {
        if (!ec) broker->stop();
    });
    broker->run();
    spdlog::info("stopped cleanly");
    return 0;
}

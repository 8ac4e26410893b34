// sluice_mock_cluster: librdkafka's in-process mock Kafka cluster as a
// stand-alone broker, the reference peer of the end-to-end benchmarks
// (bench/e2e/run_e2e.py). It keeps every record in memory, never touches a
// disk and never replicates, so it is an upper bound of what the client
// itself can push, not a fair "Kafka".
//
//   sluice_mock_cluster [--brokers N] [--topic NAME:PARTITIONS]...
//
// Prints the bootstrap list ("127.0.0.1:port,...") as the only line on
// stdout once the listeners are up, then runs until SIGTERM or SIGINT.
// Topics named with --topic are created up front: the mock has no
// CreateTopics and auto-creates topics with its default partition count.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

namespace {

volatile std::sig_atomic_t stop_requested = 0;

void on_signal(int) { stop_requested = 1; }

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr, "sluice_mock_cluster: %s\nusage: sluice_mock_cluster [--brokers N] [--topic NAME:PARTITIONS]...\n",
                 why);
    std::exit(2);
}

int positive(const char* text, const char* what) {
    char* end = nullptr;
    long v = std::strtol(text, &end, 10);
    if (end == text || *end != '\0' || v < 1 || v > 100000) usage((std::string("bad ") + what + ": " + text).c_str());
    return int(v);
}

}  // namespace

int main(int argc, char** argv) {
    int brokers = 1;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--brokers") == 0 && i + 1 < argc) {
            brokers = positive(argv[++i], "--brokers");
        } else if (std::strcmp(argv[i], "--topic") != 0 || i + 1 >= argc) {
            usage((std::string("unknown argument ") + argv[i]).c_str());
        } else {
            ++i;  // checked below, once the cluster exists
        }
    }

    // The mock cluster needs a client handle for its bookkeeping; a producer
    // that never produces is the cheapest.
    char errstr[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (rk == nullptr) {
        std::fprintf(stderr, "sluice_mock_cluster: rd_kafka_new: %s\n", errstr);
        return 1;
    }
    rd_kafka_mock_cluster_t* mcluster = rd_kafka_mock_cluster_new(rk, brokers);
    if (mcluster == nullptr) {
        std::fprintf(stderr, "sluice_mock_cluster: cannot create the mock cluster\n");
        return 1;
    }
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--topic") != 0) {
            if (std::strcmp(argv[i], "--brokers") == 0) ++i;
            continue;
        }
        std::string spec = argv[++i];
        auto colon = spec.rfind(':');
        if (colon == std::string::npos || colon == 0) usage(("bad --topic " + spec + ", want NAME:PARTITIONS").c_str());
        std::string name = spec.substr(0, colon);
        int partitions = positive(spec.c_str() + colon + 1, "partition count");
        rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mcluster, name.c_str(), partitions, 1);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            std::fprintf(stderr, "sluice_mock_cluster: cannot create %s: %s\n", name.c_str(), rd_kafka_err2str(err));
            return 1;
        }
    }

    struct sigaction sa = {};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);

    std::printf("%s\n", rd_kafka_mock_cluster_bootstraps(mcluster));
    std::fflush(stdout);
    // The mock brokers run on librdkafka's own threads; this one only waits.
    while (!stop_requested) pause();

    rd_kafka_mock_cluster_destroy(mcluster);
    rd_kafka_destroy(rk);
    return 0;
}

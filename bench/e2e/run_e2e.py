#!/usr/bin/python3
"""End-to-end throughput and latency of Sluice against a reference peer.

Starts a fresh sluiced (temp data dir, free port) and librdkafka's mock
cluster (build/bin/sluice_mock_cluster), runs the same `sluice perf --json`
workloads against both, and prints a markdown table with each figure and the
ratio Sluice / mock (for bench/RESULTS.md). Both processes are stopped by PID
at the end, also on errors and Ctrl-C. Progress goes to stderr.

    /usr/bin/python3 bench/e2e/run_e2e.py            # stable figures, < 10 min
    /usr/bin/python3 bench/e2e/run_e2e.py --quick    # smoke run, < 2 min

Binaries: $SLUICED, $SLUICE_CLI, $SLUICE_MOCK_CLUSTER, else build/bin/*.
See bench/e2e/README.md for what each workload measures.
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

from e2e_common import Proc, binary, cpu_seconds, free_port, rss_mib

# Counts per workload: (default, --quick).
COUNTS = {
    "w1": (2_000_000, 200_000),   # 100 B, max msgs/s
    "w2": (300_000, 30_000),      # 1 KB, lz4, acks=all, 8 partitions
    "w4": (300_000, 30_000),      # at 10,000 msg/s: 30 s / 3 s
    "w5": (60_000, 6_000),        # at 2,000 msg/s: 30 s / 3 s
    "w6": (150_000, 15_000),      # 1,000 partitions at 5,000 msg/s: 30 s / 3 s
    "w7": (1_000_000, 100_000),   # 1 KB, acks=1, uncompressed: ~1 GB for the CPU figure
}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Peer(Proc):
    """One broker process: sluiced or the mock cluster (which prints its
    bootstrap address first)."""

    def __init__(self, name, argv, tmp, bootstrap=None, read_bootstrap=False):
        super().__init__(name, argv, tmp, cwd=tmp)
        self.start(stdout=subprocess.PIPE if read_bootstrap else None)
        if read_bootstrap:
            bootstrap = self.proc.stdout.readline().decode().strip()
            if not bootstrap:
                raise RuntimeError("%s printed no bootstrap address; see %s" % (name, self.log_path))
        self.bootstrap = bootstrap
        host, port = self.bootstrap.split(",")[0].rsplit(":", 1)
        self.wait_listening(int(port), 15, host)


def children_cpu_seconds():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def perf(cli, mode, peer, topic, *args, timeout=900):
    """Runs `sluice perf` and returns its JSON, plus "client_cpu_s": the CPU
    seconds the client process used (so a run shows who was busy)."""
    argv = [cli, "perf", mode, "-b", peer.bootstrap, "-t", topic, "--json"] + [str(a) for a in args]
    cpu0 = children_cpu_seconds()
    cp = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    if cp.returncode != 0:
        raise RuntimeError("%s failed (%d) against %s:\n%s\n%s" % (
            " ".join(argv), cp.returncode, peer.name, cp.stdout.decode()[-2000:], cp.stderr.decode()[-2000:]))
    out = json.loads(cp.stdout)
    out["client_cpu_s"] = children_cpu_seconds() - cpu0
    return out


def busy_cores(cpu_s, r):
    """CPU seconds over the run's wall time: 1.0 is one core fully busy."""
    return cpu_s / r["seconds"] if r.get("seconds") else None


def available(bootstrap, topic, partitions):
    """Records a consumer can read from the beginning: sum of high - low
    watermarks (the mock trims old records from memory)."""
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "run-e2e-watermarks",
                  "enable.auto.commit": False})
    try:
        total = 0
        for p in range(partitions):
            low, high = c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            total += high - low
        return total
    finally:
        c.close()


def run_workloads(cli, peer, counts, is_sluice):
    """Every workload against one peer; returns {row key: value}."""
    out = {}

    def step(label):
        log("[%s] %s" % (peer.name, label))

    step("1: produce 100 B, acks=1, 1 partition, max rate")
    cpu0 = cpu_seconds(peer.pid)
    r = perf(cli, "produce", peer, "w1", "-n", counts["w1"], "-s", 100, "--acks", 1, "--partitions", 1)
    cpu = cpu_seconds(peer.pid) - cpu0
    out["w1_rps"] = r["records_per_sec"]
    out["w1_mbps"] = r["mb_per_sec"]
    out["w1_p99"] = r["latency_us"]["p99"] / 1000.0
    out["w1_cpu_per_gb"] = cpu / (r["bytes"] / 1e9)
    out["w1_broker_cores"] = busy_cores(cpu, r)
    out["w1_client_cores"] = busy_cores(r["client_cpu_s"], r)

    step("2: produce 1 KB, acks=all, lz4, 8 partitions, max rate")
    cpu0 = cpu_seconds(peer.pid)
    r = perf(cli, "produce", peer, "w2", "-n", counts["w2"], "-s", 1024, "--acks", "all",
             "--compression", "lz4", "--partitions", 8)
    cpu = cpu_seconds(peer.pid) - cpu0
    out["w2_mbps"] = r["mb_per_sec"]
    out["w2_rps"] = r["records_per_sec"]
    out["w2_cpu_per_gb"] = cpu / (r["bytes"] / 1e9)

    step("7: produce 1 KB, acks=1, uncompressed, 1 partition, max rate (broker CPU per GB)")
    cpu0 = cpu_seconds(peer.pid)
    r = perf(cli, "produce", peer, "w7", "-n", counts["w7"], "-s", 1024, "--acks", 1, "--partitions", 1)
    cpu = cpu_seconds(peer.pid) - cpu0
    out["w7_mbps"] = r["mb_per_sec"]
    out["w7_cpu_per_gb"] = cpu / (r["bytes"] / 1e9)
    out["w7_broker_cores"] = busy_cores(cpu, r)
    out["w7_client_cores"] = busy_cores(r["client_cpu_s"], r)

    out["w1_available"] = available(peer.bootstrap, "w1", 1)
    out["w2_available"] = available(peer.bootstrap, "w2", 8)
    return out


# librdkafka stops fetching while its local queue holds more than
# queued.max.messages.kbytes (64 MiB by default) and resumes only after a
# back-off of up to a second: against a broker that delivers faster than the
# application drains, a 300 MB consume then takes either 0.25 s or 1.2 s at
# random. A queue larger than the data measures the brokers instead.
CONSUME_ARGS = ("-X", "queued.max.messages.kbytes=2097151")


def run_consume(cli, peer, n1, n2, out):
    log("[%s] 3: consume from the beginning" % peer.name)
    r = perf(cli, "consume", peer, "w1", "-n", n1, *CONSUME_ARGS)
    out["w3a_mbps"] = r["mb_per_sec"]
    out["w3a_rps"] = r["records_per_sec"]
    r = perf(cli, "consume", peer, "w2", "-n", n2, *CONSUME_ARGS)
    out["w3b_mbps"] = r["mb_per_sec"]


def run_latency(cli, peer, counts, is_sluice, out):
    log("[%s] 4: produce latency at 10,000 msg/s" % peer.name)
    # Latency workloads send each record at once (linger.ms=0): with
    # librdkafka's default 5 ms linger the figure would measure the client.
    r = perf(cli, "produce", peer, "w4", "-n", counts["w4"], "-s", 100, "--acks", "all",
             "--partitions", 1, "--rate", 10000, "--linger-ms", 0)
    for q in ("p50", "p99", "p999"):
        out["w4_" + q] = r["latency_us"][q] / 1000.0
    out["w4_rps"] = r["records_per_sec"]

    log("[%s] 5: end-to-end latency at 2,000 msg/s" % peer.name)
    r = perf(cli, "e2e", peer, "w5", "-n", counts["w5"], "-s", 100, "--acks", "all",
             "--partitions", 1, "--rate", 2000, "--linger-ms", 0)
    for q in ("p50", "p99", "p999"):
        out["w5_" + q] = r["latency_us"][q] / 1000.0

    log("[%s] 6: 1,000 partitions, light traffic" % peer.name)
    r = perf(cli, "produce", peer, "w6", "-n", counts["w6"], "-s", 100, "--acks", 1,
             "--partitions", 1000, "--keys", 1000, "--rate", 5000, "--timeout-ms", 60000)
    out["w6_rps"] = r["records_per_sec"]
    out["w6_p99"] = r["latency_us"]["p99"] / 1000.0
    out["w6_rss"] = rss_mib(peer.pid) if is_sluice else None


ROWS = [
    # key, workload, figure, unit, higher is better
    ("w1_rps", "1 produce 100 B, acks=1, 1 partition", "throughput", "records/s", True),
    ("w1_mbps", "1 produce 100 B, acks=1, 1 partition", "throughput", "MB/s", True),
    ("w1_p99", "1 produce 100 B, acks=1, 1 partition", "latency p99 (flood)", "ms", False),
    ("w1_cpu_per_gb", "1 produce 100 B, acks=1, 1 partition", "broker CPU", "s/GB", False),
    ("w1_broker_cores", "1 produce 100 B, acks=1, 1 partition", "broker busy", "cores", False),
    ("w1_client_cores", "1 produce 100 B, acks=1, 1 partition", "client busy", "cores", None),
    ("w2_mbps", "2 produce 1 KB, acks=all, lz4, 8 partitions", "throughput", "MB/s", True),
    ("w2_rps", "2 produce 1 KB, acks=all, lz4, 8 partitions", "throughput", "records/s", True),
    ("w2_cpu_per_gb", "2 produce 1 KB, acks=all, lz4, 8 partitions", "broker CPU", "s/GB", False),
    ("w3a_mbps", "3 consume from the beginning (1's topic)", "throughput", "MB/s", True),
    ("w3a_rps", "3 consume from the beginning (1's topic)", "throughput", "records/s", True),
    ("w3b_mbps", "3 consume from the beginning (2's topic)", "throughput", "MB/s", True),
    ("w3c_mbps", "3 consume all of 2's topic (Sluice only)", "throughput", "MB/s", True),
    ("w4_p50", "4 produce latency at 10,000 msg/s, acks=all", "p50", "ms", False),
    ("w4_p99", "4 produce latency at 10,000 msg/s, acks=all", "p99", "ms", False),
    ("w4_p999", "4 produce latency at 10,000 msg/s, acks=all", "p99.9", "ms", False),
    ("w5_p50", "5 end-to-end latency at 2,000 msg/s", "p50", "ms", False),
    ("w5_p99", "5 end-to-end latency at 2,000 msg/s", "p99", "ms", False),
    ("w5_p999", "5 end-to-end latency at 2,000 msg/s", "p99.9", "ms", False),
    ("w6_rps", "6 1,000 partitions at 5,000 msg/s, keyed", "throughput", "records/s", True),
    ("w6_p99", "6 1,000 partitions at 5,000 msg/s, keyed", "produce latency p99", "ms", False),
    ("w6_rss", "6 1,000 partitions at 5,000 msg/s, keyed", "broker RSS after", "MiB", False),
    ("w7_mbps", "7 produce 1 KB, acks=1, uncompressed, 1 partition", "throughput", "MB/s", True),
    ("w7_cpu_per_gb", "7 produce 1 KB, acks=1, uncompressed, 1 partition", "broker CPU", "s/GB", False),
    ("w7_broker_cores", "7 produce 1 KB, acks=1, uncompressed, 1 partition", "broker busy", "cores", False),
    ("w7_client_cores", "7 produce 1 KB, acks=1, uncompressed, 1 partition", "client busy", "cores", None),
]


def medians(rounds):
    """{key: median over rounds} (the last round's value for counts)."""
    out = dict(rounds[-1])
    for key in rounds[0]:
        if key.endswith("_available"):
            continue
        values = sorted(r[key] for r in rounds)
        out[key] = values[len(values) // 2]
    return out


def fmt(v):
    if v is None:
        return "N/A"
    if abs(v) >= 1000:
        return "{:,.0f}".format(v)
    if abs(v) >= 10:
        return "%.1f" % v
    return "%.3g" % v


def table(sluice, mock):
    lines = ["| workload | figure | unit | Sluice | mock | Sluice / mock |",
             "|---|---|---|---:|---:|---:|"]
    for key, workload, figure, unit, _ in ROWS:
        s, m = sluice.get(key), mock.get(key)
        ratio = "%.2f" % (s / m) if s is not None and m not in (None, 0) else "N/A"
        lines.append("| %s | %s | %s | %s | %s | %s |" % (workload, figure, unit, fmt(s), fmt(m), ratio))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small counts: a smoke run in < 2 minutes")
    ap.add_argument("--json", action="store_true", help="also print the raw figures as JSON on stderr")
    ap.add_argument("--rounds", type=int, default=1,
                    help="run the throughput workloads (1, 2, 7) this many times, alternating between "
                         "the brokers, and report the median of each figure (default 1)")
    args = ap.parse_args()
    counts = {k: v[1] if args.quick else v[0] for k, v in COUNTS.items()}

    sluiced = binary("SLUICED", "sluiced", "run_e2e")
    cli = binary("SLUICE_CLI", "sluice", "run_e2e")
    mock_bin = binary("SLUICE_MOCK_CLUSTER", "sluice_mock_cluster", "run_e2e")

    tmp = tempfile.mkdtemp(prefix="sluice-e2e-")
    peers = []
    started = time.monotonic()
    try:
        port = free_port()
        listener = "PLAINTEXT://127.0.0.1:%d" % port
        data = os.path.join(tmp, "data")
        os.mkdir(data)
        s = Peer("sluiced", [sluiced, "--override", "listeners=" + listener,
                             "--override", "advertised.listeners=" + listener,
                             "--override", "log.dirs=" + data, "--override", "node.id=0"],
                 tmp, bootstrap="127.0.0.1:%d" % port)
        peers.append(s)
        # The mock has no CreateTopics: its topics are made up front.
        m = Peer("mock", [mock_bin, "--topic", "w1:1", "--topic", "w2:8", "--topic", "w4:1",
                          "--topic", "w5:1", "--topic", "w6:1000", "--topic", "w7:1"], tmp, read_bootstrap=True)
        peers.append(m)

        res_s = {"rss_start": rss_mib(s.pid)}
        res_m = {}
        # Client and broker share two cores, so one run of a throughput
        # workload swings by ±10 %: alternate the brokers and take medians.
        rounds_s, rounds_m = [], []
        for _ in range(max(1, args.rounds)):
            rounds_s.append(run_workloads(cli, s, counts, True))
            rounds_m.append(run_workloads(cli, m, counts, False))
        res_s.update(medians(rounds_s))
        res_m.update(medians(rounds_m))
        # Same record count from both: the mock keeps only the newest few MB
        # of each partition in memory.
        n1 = min(res_s["w1_available"], res_m["w1_available"])
        n2 = min(res_s["w2_available"], res_m["w2_available"])
        run_consume(cli, s, n1, n2, res_s)
        run_consume(cli, m, n1, n2, res_m)
        log("[sluiced] 3: consume all of 2's topic")
        res_s["w3c_mbps"] = perf(cli, "consume", s, "w2", "-n", res_s["w2_available"], *CONSUME_ARGS)["mb_per_sec"]
        run_latency(cli, s, counts, True, res_s)
        run_latency(cli, m, counts, False, res_m)
    finally:
        for p in peers:
            p.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    load = os.getloadavg()
    flags = (" --quick" if args.quick else "") + (" --rounds %d" % args.rounds if args.rounds > 1 else "")
    print("### End-to-end: Sluice vs librdkafka mock cluster%s\n" % (" (--quick)" if args.quick else ""))
    print("- Command: `/usr/bin/python3 bench/e2e/run_e2e.py%s`; %d s wall; load average at the end "
          "%.2f / %.2f / %.2f on %d CPUs." % (flags,
                                             time.monotonic() - started, load[0], load[1], load[2],
                                             os.cpu_count()))
    print("- Consume (3) reads %d records of 1's topic and %d of 2's from both brokers; "
          "sluiced RSS at start %.1f MiB.\n" % (n1, n2, res_s["rss_start"] or 0))
    print(table(res_s, res_m))
    print("\nThe mock keeps every record in memory and never writes a disk; it keeps only the "
          "newest few MB of each partition (hence the consume counts), has no long-poll wake-up "
          "(a Fetch that finds no data is answered after fetch.wait.max.ms, 500 ms, so its (5) "
          "measures that wait), and decompresses nothing. Broker CPU is read in 10 ms ticks: "
          "--quick runs are too short for it. RSS is not given for the mock: it holds all data "
          "in memory.")
    if args.json:
        print(json.dumps({"sluice": res_s, "mock": res_m}, indent=1), file=sys.stderr)


if __name__ == "__main__":
    main()

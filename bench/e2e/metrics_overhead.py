#!/usr/bin/python3
"""Produce throughput with metrics recording on and off, in the same run.

Starts two sluiced (temp dirs, free ports): one with the defaults
(sluice.metrics.enabled=true, its HTTP listener scraped once per round) and
one with sluice.metrics.enabled=false. Rounds alternate between them so
machine noise falls on both; each round produces COUNT 100-byte records
(acks=1, one partition, a fresh topic) with `sluice perf produce --json`
and reads the broker's CPU time. Prints a markdown table of the medians
(for bench/RESULTS.md). Both brokers are stopped by PID at the end.

    /usr/bin/python3 bench/e2e/metrics_overhead.py [--count N] [--rounds R] [--one-per-request]

Binaries: $SLUICED, $SLUICE_CLI, else build/bin/*.
"""

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.request

from e2e_common import SingleBroker, binary, cpu_seconds, free_port


def perf(cli, bootstrap, topic, count, one_per_request):
    extra = ["-X", "batch.num.messages=1", "--linger-ms", "0"] if one_per_request else []
    out = subprocess.run([cli, "perf", "produce", "-b", bootstrap, "-t", topic, "-n", str(count),
                          "-s", "100", "--acks", "1", "--partitions", "1", "--json"] + extra,
                         capture_output=True, check=True, timeout=600)
    return json.loads(out.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=500_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--one-per-request", action="store_true",
                    help="one record per Produce request (batch.num.messages=1, linger 0): the per-request cost")
    args = ap.parse_args()
    sluiced = binary("SLUICED", "sluiced", "metrics_overhead")
    cli = binary("SLUICE_CLI", "sluice", "metrics_overhead")

    http_port = free_port()
    tmp_on, tmp_off = tempfile.mkdtemp(), tempfile.mkdtemp()
    on = SingleBroker(sluiced, tmp_on, {"http.listeners": "http://127.0.0.1:%d" % http_port})
    off = SingleBroker(sluiced, tmp_off, {"sluice.metrics.enabled": "false"})
    results = {"on": [], "off": []}
    try:
        for b in (on, off):
            b.start()
            b.wait_listening(b.port, 15)
        for r in range(args.rounds):
            for name, b in (("on", on), ("off", off)):
                cpu0 = cpu_seconds(b.pid)
                res = perf(cli, b.bootstrap, "m%d" % r, args.count, args.one_per_request)
                cpu = cpu_seconds(b.pid) - cpu0
                if name == "on":
                    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % http_port, timeout=10) as resp:
                        assert b"kafka_server_brokertopicmetrics_bytesin_total" in resp.read()
                results[name].append((res["records_per_sec"], res["mb_per_sec"], cpu / args.count * 1e9))
                print("round %d %s: %.0f rec/s, %.1f MB/s, %.0f ns broker CPU per record"
                      % (r, name, *results[name][-1]), file=sys.stderr)
    finally:
        on.stop()
        off.stop()
        shutil.rmtree(tmp_on, ignore_errors=True)
        shutil.rmtree(tmp_off, ignore_errors=True)

    print("| metrics | records/s (median) | MB/s (median) | broker CPU ns/record (median) |")
    print("|---|---|---|---|")
    for name in ("on", "off"):
        rows = results[name]
        print("| %s | %.0f | %.1f | %.0f |" % (name, statistics.median(x[0] for x in rows),
                                                statistics.median(x[1] for x in rows),
                                                statistics.median(x[2] for x in rows)))


if __name__ == "__main__":
    main()

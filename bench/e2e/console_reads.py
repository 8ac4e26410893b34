#!/usr/bin/python3
"""How long the web console's reads hold the broker's I/O thread.

Starts one sluiced (temp dir, free ports) with an HTTP listener, fills one
partition with COUNT records of SIZE bytes (`sluice perf produce`), commits
offsets of a group on PARTITIONS partitions, then times the console API
from one client, one request at a time: the message browser's largest page
(limit=500) at random offsets, its follow poll at the end (no records), one
topic's description, and a group's lag. Prints a markdown table of median
and p99 milliseconds (for bench/RESULTS.md). The broker is stopped by PID.

    /usr/bin/python3 bench/e2e/console_reads.py [--count N] [--size B] [--requests R]

Binaries: $SLUICED, $SLUICE_CLI, else build/bin/*.
"""

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

from e2e_common import SingleBroker, binary, free_port


def timed(url, requests):
    times = []
    for _ in range(requests):
        u = url() if callable(url) else url
        t0 = time.perf_counter()
        with urllib.request.urlopen(u, timeout=30) as r:
            body = r.read()
        times.append((time.perf_counter() - t0) * 1000)
    return times, len(body)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=200_000)
    ap.add_argument("--size", type=int, default=1000)
    ap.add_argument("--partitions", type=int, default=64)
    ap.add_argument("--requests", type=int, default=200)
    args = ap.parse_args()
    sluiced = binary("SLUICED", "sluiced", "console_reads")
    cli = binary("SLUICE_CLI", "sluice", "console_reads")
    http_port = free_port()
    tmp = tempfile.mkdtemp()
    b = SingleBroker(sluiced, tmp, {"http.listeners": "http://127.0.0.1:%d" % http_port})
    base = "http://127.0.0.1:%d/api/v1/" % http_port
    rows = []
    try:
        b.start()
        b.wait_listening(b.port, 15)
        subprocess.run([cli, "perf", "produce", "-b", b.bootstrap, "-t", "data", "-n", str(args.count),
                        "-s", str(args.size), "--acks", "1", "--partitions", "1", "--json"],
                       capture_output=True, check=True, timeout=600)
        # A group with offsets on many partitions (reset through the API: a commit per partition).
        req = urllib.request.Request(base + "topics", method="POST", data=json.dumps(
            {"name": "wide", "partitions": args.partitions}).encode())
        urllib.request.urlopen(req, timeout=30).read()
        req = urllib.request.Request(base + "groups/lagging/reset-offsets", method="POST", data=json.dumps(
            {"strategy": "earliest", "topic": "wide"}).encode())
        urllib.request.urlopen(req, timeout=30).read()

        def random_page():
            return base + "topics/data/partitions/0/records?offset=%d&limit=500" % random.randrange(args.count - 500)
        cases = [
            ("records, limit=500, random offsets", random_page),
            ("records at the end (a follow poll, none new)",
             base + "topics/data/partitions/0/records?offset=%d" % args.count),
            ("topic description (1 partition, all configs)", base + "topics/data"),
            ("group with offsets on %d partitions, lag" % args.partitions, base + "groups/lagging"),
        ]
        for name, url in cases:
            timed(url, 5)  # warm
            times, size = timed(url, args.requests)
            times.sort()
            rows.append((name, statistics.median(times), times[int(len(times) * 0.99) - 1], size))
            print("%s: median %.2f ms" % (name, rows[-1][1]), file=sys.stderr)
    finally:
        b.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print("| request | median ms | p99 ms | answer bytes |")
    print("|---|---|---|---|")
    for name, med, p99, size in rows:
        print("| %s | %.2f | %.2f | %d |" % (name, med, p99, size))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Reading one key's records through the key index, and what the index costs
producers.

Starts one sluiced (temp dir, free ports) with an HTTP listener. Produces
COUNT records of SIZE bytes with `sluice perf produce --keys COUNT/100`
(keys cycle, so every key has 100 records spread over the whole partition)
to one partition of a topic with sluice.key.index.enable=true and, for the
comparison, of one without; the two topics alternate ROUNDS times and each
run's records/s is reported, with the longest ApiVersions round trip of a
second connection meanwhile (the I/O thread's longest stop: a roll's seal). Then times GET /v1/topics/T/keys/K/records
(limit=100, every record of K) for random keys after a warm-up pass over the
same keys (warm page cache), one client, one request at a time, and reports
median and p99 with the index's size on disk. The broker is stopped by PID.

    /usr/bin/python3 bench/e2e/key_reads.py [--count N] [--size B] [--requests R]

Binaries: $SLUICED, $SLUICE_CLI, else build/bin/*.
"""

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import time
import urllib.request

from create_topic_stall import Pinger
from e2e_common import SingleBroker, binary, free_port, loadavg


def produce(cli, bootstrap, topic, count, size, keys):
    out = subprocess.run([cli, "perf", "produce", "-b", bootstrap, "-t", topic, "-n", str(count), "-s", str(size),
                          "--acks", "1", "--keys", str(keys), "--json"],
                         capture_output=True, check=True, timeout=3600, text=True)
    return json.loads(out.stdout)


def create_topic(base, name, configs):
    req = urllib.request.Request(base + "topics", method="POST", data=json.dumps(
        {"name": name, "partitions": 1, "configs": configs}).encode())
    urllib.request.urlopen(req, timeout=30).read()


def dir_bytes(path, suffix):
    return sum(os.path.getsize(os.path.join(path, n)) for n in os.listdir(path) if n.endswith(suffix))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=10_000_000)
    ap.add_argument("--size", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--requests", type=int, default=1000)
    args = ap.parse_args()
    sluiced = binary("SLUICED", "sluiced", "key_reads")
    cli = binary("SLUICE_CLI", "sluice", "key_reads")
    http_port = free_port()
    tmp = tempfile.mkdtemp()
    b = SingleBroker(sluiced, tmp, {"http.listeners": "http://127.0.0.1:%d" % http_port})
    base = "http://127.0.0.1:%d/" % http_port
    keys = max(1, args.count // 100)
    per_round = args.count // args.rounds
    try:
        b.start()
        b.wait_listening(b.port, 15)
        create_topic(base + "api/v1/", "indexed", {"sluice.key.index.enable": "true"})
        create_topic(base + "api/v1/", "plain", {})
        rates = {"indexed": [], "plain": []}
        stalls = {"indexed": [], "plain": []}
        for r in range(args.rounds):
            for topic in (("plain", "indexed") if r % 2 == 0 else ("indexed", "plain")):
                with Pinger(b.port) as pinger:
                    res = produce(cli, b.bootstrap, topic, per_round, args.size, keys)
                rates[topic].append(res["records_per_sec"] if "records_per_sec" in res else res)
                stalls[topic].append(round(pinger.worst * 1000, 1))
        # Warm the page cache and the index files: one pass over the keys timed later.
        picks = [random.randrange(keys) for _ in range(args.requests)]
        times, counts = [], []
        for phase in ("warm", "timed"):
            for k in picks:
                url = base + "v1/topics/indexed/keys/key-%d/records?limit=100" % k
                t0 = time.perf_counter()
                with urllib.request.urlopen(url, timeout=30) as resp:
                    doc = json.loads(resp.read())
                if phase == "timed":
                    times.append((time.perf_counter() - t0) * 1000)
                    counts.append(len(doc["records"]))
        d = os.path.join(b.data, "indexed-0")
        log_bytes, key_bytes = dir_bytes(d, ".log"), dir_bytes(d, ".keyindex")
        segments = len([n for n in os.listdir(d) if n.endswith(".log")])
        times.sort()
        print("load average at the end: %s" % (loadavg(),))
        print("records: %d x %d B, %d keys of %d records, one partition, %d segments" %
              (args.count, args.size, keys, args.count // keys, segments))
        print("produce records/s, index off: %s" % rates["plain"])
        print("produce records/s, index on:  %s" % rates["indexed"])
        print("longest ApiVersions round trip ms, index off: %s" % stalls["plain"])
        print("longest ApiVersions round trip ms, index on:  %s" % stalls["indexed"])
        print("records per answer: min %d max %d" % (min(counts), max(counts)))
        print("| request | median ms | p99 ms | max ms |")
        print("|---|---|---|---|")
        print("| the 100 records of one key (limit=100), warm | %.2f | %.2f | %.2f |" %
              (statistics.median(times), times[int(len(times) * 0.99) - 1], times[-1]))
        print(".log bytes %d, .keyindex bytes %d (%.1f%%; the active segment's index is in memory)" %
              (log_bytes, key_bytes, 100.0 * key_bytes / max(log_bytes, 1)))
    finally:
        b.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
